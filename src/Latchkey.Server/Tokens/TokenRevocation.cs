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
/// The one way a token ends, whoever ends it: its owner, an admin with tokens:revoke-all, a leak
/// report, or Latchkey itself (a rotation's grace, idle cleanup). One conditional update, so that
/// of two requests at once one revokes and audits and the other changes nothing; the tokens made
/// from it end in the same transaction; every replica's verification cache forgets them at once.
/// Someone else's token looks exactly like one that does not exist, and the attempt is audited.
/// </summary>
internal sealed class TokenRevocation(AccessEvaluator access, ChangeFeed changes, LatchkeyMetrics metrics, AuditLog audit, TimeProvider time, ILogger<TokenRevocation> logger)
{
    public const string Action = "token.revoke";
    public const string ParentEnded = "the token it was made from was revoked";

    /// <returns>False when no such token is visible to the caller (nothing changed); true when it is revoked now or already was.</returns>
    /// <param name="reason">Kept with the token and in the audit log; by default who revoked it.</param>
    public async Task<bool> RevokeAsync(LatchkeyDbContext db, HttpContext http, Caller caller, string id, CancellationToken cancellationToken, string? reason = null)
    {
        var token = await db.AccessTokens.AsNoTracking()
            .Where(t => t.Id == id && t.OrganizationId == caller.OrganizationId)
            .Select(t => new { t.Id, t.UserId })
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        var own = token?.UserId == caller.UserId;
        if (token is null || !await MayRevokeAsync(caller, own, cancellationToken).ConfigureAwait(false))
        {
            await AuditNotFoundAsync(db, http, caller, Action, id, cancellationToken).ConfigureAwait(false);
            return false;
        }

        reason ??= own ? "revoked by its owner" : "revoked by an administrator";
        await EndAsync(db, token.Id, reason, caller.UserId, null, t => audit.Event(http, Action, "success", caller.Grant, "token", t.Id, reason), null,
            cancellationToken).ConfigureAwait(false);
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
        Expression<Func<AccessToken, bool>> stillDue, Action<AccessToken>? alongside, CancellationToken cancellationToken) =>
        await EndAsync(db, id, reason, null, stillDue, t => audit.Event(Action, "success", t.OrganizationId, "token", t.Id, $"{reason}: {detail}"), alongside,
            cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Revokes a token someone reported as leaked (the reporter holds its secret, so no rights are asked).</summary>
    public Task<AccessToken?> RevokeLeakedAsync(LatchkeyDbContext db, HttpContext http, string id, string reason, Action<AccessToken> alongside,
        CancellationToken cancellationToken) =>
        EndAsync(db, id, reason, null, null, t => audit.Event(http, Action, "success", targetType: "token", targetId: t.Id, detail: reason,
            organizationId: t.OrganizationId), alongside, cancellationToken);

    /// <returns>The token as it was before, when this call revoked it; null when it was not live (nothing changed).</returns>
    private async Task<AccessToken?> EndAsync(LatchkeyDbContext db, string id, string reason, Guid? revokedBy, Expression<Func<AccessToken, bool>>? stillDue,
        Func<AccessToken, AuditEvent> auditEvent, Action<AccessToken>? alongside, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        AccessToken token;
        var children = 0;
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var live = db.AccessTokens.Where(t => t.Id == id && t.RevokedAt == null);
            var changed = await (stillDue is null ? live : live.Where(stillDue))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now).SetProperty(t => t.RevocationReason, reason)
                    .SetProperty(t => t.RevokedByUserId, revokedBy), cancellationToken)
                .ConfigureAwait(false);
            if (changed == 0)
            {
                return null;
            }

            // The verifier already refuses a dead parent's children; marking them says so in every list.
            children = await db.AccessTokens.Where(t => t.ParentTokenId == id && t.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now).SetProperty(t => t.RevocationReason, ParentEnded)
                    .SetProperty(t => t.RevokedByUserId, revokedBy), cancellationToken)
                .ConfigureAwait(false);
            token = await db.AccessTokens.AsNoTracking().SingleAsync(t => t.Id == id, cancellationToken).ConfigureAwait(false);
            var recorded = auditEvent(token);
            if (children > 0)
            {
                recorded.Detail = AuditLog.Clip($"{recorded.Detail}; {children} token(s) made from it revoked with it");
            }

            db.AuditEvents.Add(recorded);
            alongside?.Invoke(token);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        Log.TokenRevoked(logger, token.Id, revokedBy ?? Guid.Empty);
        metrics.TokenRevoked();
        // Evicts the token and, through their parent's digest, every token made from it.
        await changes.TokenRevokedAsync(TokenDigest.FromBytes(token.SecretDigest)).ConfigureAwait(false);
        return token;
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
