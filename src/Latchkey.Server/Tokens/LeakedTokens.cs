using Latchkey.Core.Tokens;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Notifications;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Tokens;

/// <summary>
/// Revokes tokens that someone reports as leaked. Whoever holds a token may end it: the secret is
/// the proof. Each live one is revoked with the reason <c>leaked</c>, audited, its owner is told,
/// and every replica's cache forgets it at once.
/// </summary>
internal sealed class LeakedTokens(
    TokenKeyRing keys, TokenRevocation revocation, OwnerNotices notices, AuditLog audit,
    IOptions<LatchkeyOptions> options, TimeProvider time, ILogger<LeakedTokens> logger)
{
    public const string Reason = "leaked";
    public const string NoticeKind = "token.leaked";

    public async Task RevokeAsync(LatchkeyDbContext db, IReadOnlyList<string?> reported, HttpContext http, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(reported);
        // Garbage and mistyped strings fail the checksum here and never reach the store.
        var wellFormed = reported.OfType<string>().Where(t => TokenFormat.IsWellFormed(t)).Distinct(StringComparer.Ordinal).ToList();
        var revoked = 0;
        foreach (var secret in wellFormed)
        {
            if (await FindLiveAsync(db, secret, cancellationToken).ConfigureAwait(false) is { } token
                && await RevokeOneAsync(db, token, http, cancellationToken).ConfigureAwait(false))
            {
                revoked++;
            }
        }

        var source = http.Connection.RemoteIpAddress?.ToString();
        db.AuditEvents.Add(audit.Event(http, "token.revoke-leaked", "success",
            detail: $"{reported.Count} strings reported, {wellFormed.Count} well-formed, {revoked} live tokens revoked"));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        Log.LeakReportReceived(logger, reported.Count, source, revoked);
    }

    /// <summary>The token under any of the keys (tokens made before a key rotation included), if it is neither revoked nor expired.</summary>
    private async Task<AccessToken?> FindLiveAsync(LatchkeyDbContext db, string secret, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var (keyId, digest) in keys.AllDigests(secret))
        {
            var bytes = digest.ToArray();
            var token = await db.AccessTokens.AsNoTracking()
                .Where(t => t.SecretDigest == bytes && t.DigestKeyId == keyId)
                .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (token is not null)
            {
                return token.IsLive(now) ? token : null;
            }
        }

        return null;
    }

    /// <returns>False when another request (here or on another replica) revoked it first.</returns>
    private async Task<bool> RevokeOneAsync(LatchkeyDbContext db, AccessToken token, HttpContext http, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var revoked = await revocation.RevokeLeakedAsync(db, http, token.Id, Reason, t =>
        {
            var (subject, text) = NoticeText.Leaked(t.Name, t.Id, now, http.Connection.RemoteIpAddress?.ToString(), options.Value.PublicUrl);
            notices.Add(db, t.OrganizationId, t.UserId, t.Id, NoticeKind, $"{NoticeKind}:{t.Id}", subject, text);
        }, cancellationToken).ConfigureAwait(false);
        if (revoked is null)
        {
            return false;
        }

        Log.LeakedTokenRevoked(logger, token.Id);
        return true;
    }
}
