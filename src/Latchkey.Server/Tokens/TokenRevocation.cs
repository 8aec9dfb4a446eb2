using System.Linq.Expressions;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Observability;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>
/// Revoking a token, from any door: the caller's own, or any of the organization's with
/// tokens:revoke-all. Someone else's token looks exactly like one that does not exist, and the
/// attempt is audited. Every replica's verification cache forgets the token at once.
/// </summary>
internal sealed class TokenRevocation(AccessEvaluator access, ChangeFeed changes, LatchkeyMetrics metrics, AuditLog audit, TimeProvider time, ILogger<TokenRevocation> logger)
{
    /// <returns>False when no such token is visible to the caller (nothing changed).</returns>
    /// <param name="reason">Kept with the token and in the audit log; by default who revoked it.</param>
    public async Task<bool> RevokeAsync(LatchkeyDbContext db, HttpContext http, Caller caller, string id, CancellationToken cancellationToken, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(id);
        var token = await db.AccessTokens.SingleOrDefaultAsync(t => t.Id == id && t.OrganizationId == caller.OrganizationId, cancellationToken).ConfigureAwait(false);
        var own = token?.UserId == caller.UserId;
        if (token is null || !await MayRevokeAsync(caller, own, cancellationToken).ConfigureAwait(false))
        {
            await AuditNotFoundAsync(db, http, caller, "token.delete", id, cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (token.RevokedAt is null)
        {
            token.RevokedAt = time.GetUtcNow();
            token.RevokedByUserId = caller.UserId;
            token.RevocationReason = reason ?? (own ? "deleted by its owner" : "revoked by an administrator");
            db.AuditEvents.Add(audit.Event(http, "token.delete", "success", caller.Grant, "token", token.Id, token.RevocationReason));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            Log.TokenRevoked(logger, token.Id, caller.UserId);
            metrics.TokenRevoked();
        }

        await changes.TokenRevokedAsync(TokenDigest.FromBytes(token.SecretDigest)).ConfigureAwait(false);
        return true;
    }

    /// <summary>One's own tokens need tokens:own (which a scoped token may lack); others' need tokens:revoke-all.</summary>
    private async Task<bool> MayRevokeAsync(Caller caller, bool own, CancellationToken cancellationToken) =>
        (own && await access.HasAsync(caller, Permissions.TokensOwn, cancellationToken: cancellationToken).ConfigureAwait(false))
        || await access.HasAsync(caller, Permissions.TokensRevokeAll, cancellationToken: cancellationToken).ConfigureAwait(false);
    /// <summary>
    /// Revokes on Latchkey's own account (a rotation's old token, an idle token): only while the
    /// token is live and <paramref name="stillDue"/> holds, so that whichever replica or job run gets
    /// there first revokes it and the others change nothing. <paramref name="alongside"/> adds rows
    /// (a notice for the owner) that commit with the revocation, or not at all.
    /// </summary>
    /// <returns>True when this call revoked the token.</returns>
    public async Task<bool> RetireAsync(LatchkeyDbContext db, string id, string reason, string detail,
        Expression<Func<AccessToken, bool>> stillDue, Action<AccessToken>? alongside, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = time.GetUtcNow();
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var changed = await db.AccessTokens.Where(t => t.Id == id && t.RevokedAt == null).Where(stillDue)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now).SetProperty(t => t.RevocationReason, reason), cancellationToken)
                .ConfigureAwait(false);
            if (changed == 0)
            {
                return false;
            }

            var token = await db.AccessTokens.AsNoTracking().SingleAsync(t => t.Id == id, cancellationToken).ConfigureAwait(false);
            db.AuditEvents.Add(audit.Event("token.revoke", "success", token.OrganizationId, "token", token.Id, $"{reason}: {detail}"));
            alongside?.Invoke(token);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            Log.TokenRetired(logger, token.Id, reason);
            metrics.TokenRevoked();
            await changes.TokenRevokedAsync(TokenDigest.FromBytes(token.SecretDigest)).ConfigureAwait(false);
            return true;
        }
    }

    /// <summary>Someone else's token, or none at all: the same answer either way, and an audit entry.</summary>
    public async Task AuditNotFoundAsync(LatchkeyDbContext db, HttpContext http, Caller caller, string action, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(id);
        db.AuditEvents.Add(audit.Event(http, action, "denied", caller.Grant, "token", id.Length > 64 ? id[..64] : id, "no such token visible to the caller"));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }
}
