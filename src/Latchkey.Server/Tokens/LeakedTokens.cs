using Latchkey.Core.Tokens;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Data;
using Latchkey.Server.Notifications;
using Latchkey.Server.Observability;
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
    TokenKeyRing keys, ChangeFeed changes, OwnerNotices notices, AuditLog audit, LatchkeyMetrics metrics,
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
                return token.RevokedAt is null && (token.ExpiresAt is null || token.ExpiresAt > now) ? token : null;
            }
        }

        return null;
    }

    /// <returns>False when another request (here or on another replica) revoked it first.</returns>
    private async Task<bool> RevokeOneAsync(LatchkeyDbContext db, AccessToken token, HttpContext http, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            // Conditional, so that two reports of one token at once revoke, audit and notify once.
            var changed = await db.AccessTokens.Where(t => t.Id == token.Id && t.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, (DateTimeOffset?)now).SetProperty(t => t.RevocationReason, Reason),
                    cancellationToken).ConfigureAwait(false);
            if (changed == 0)
            {
                return false;
            }

            db.AuditEvents.Add(audit.Event(http, "token.revoke", "success", targetType: "token", targetId: token.Id, detail: Reason,
                organizationId: token.OrganizationId));
            var (subject, text) = NoticeText.Leaked(token.Name, token.Id, now, http.Connection.RemoteIpAddress?.ToString(), options.Value.PublicUrl);
            notices.Add(db, token.OrganizationId, token.UserId, token.Id, NoticeKind, $"{NoticeKind}:{token.Id}", subject, text);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await changes.TokenRevokedAsync(TokenDigest.FromBytes(token.SecretDigest)).ConfigureAwait(false);
        metrics.TokenRevoked();
        Log.LeakedTokenRevoked(logger, token.Id);
        return true;
    }
}
