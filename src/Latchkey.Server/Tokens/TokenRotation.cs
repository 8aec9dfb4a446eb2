using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Notifications;
using Latchkey.Server.Observability;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>
/// Rotating a token, from any door: a new secret with the same name, note and limits, and the old
/// token kept working for a grace period (or until the new one is first used) so that whatever
/// uses it can switch over without a gap. A token is rotated once: the row update that records
/// the replacement only succeeds while there is none.
/// </summary>
internal sealed class TokenRotation(
    TokenIssuer issuer, AccessEvaluator access, TokenRevocation revocation, OwnerNotices notices, ChangeFeed changes,
    AuditLog audit, LatchkeyMetrics metrics, TimeProvider time, ILogger<TokenRotation> logger)
{
    public const string RevocationReason = "rotated";
    public const string CreatedVia = "rotation";
    public const int MaxGraceSeconds = 7 * 24 * 60 * 60;

    public async Task<RotationResult> RotateAsync(
        LatchkeyDbContext db, HttpContext http, Caller caller, string id, int? graceSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(id);
        if (graceSeconds is < 0 or > MaxGraceSeconds)
        {
            return RotationResult.Invalid(
                $"graceSeconds must be from 0 (the old token works until the new one is first used) to {MaxGraceSeconds} (7 days); {graceSeconds} is outside.");
        }

        var old = await db.AccessTokens.AsNoTracking()
            .SingleOrDefaultAsync(t => t.Id == id && t.OrganizationId == caller.OrganizationId, cancellationToken).ConfigureAwait(false);
        var own = old?.UserId == caller.UserId;
        if (old is null || !await MayRotateAsync(caller, old, own, cancellationToken).ConfigureAwait(false))
        {
            await revocation.AuditNotFoundAsync(db, http, caller, "token.rotate", id, cancellationToken).ConfigureAwait(false);
            return RotationResult.NotFound;
        }

        var now = time.GetUtcNow();
        var refusal = Refusal(old, now) ?? await PredecessorInGraceAsync(db, old.Id, now, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return await RefuseAsync(db, http, caller, old.Id, refusal, cancellationToken).ConfigureAwait(false);
        }

        var owner = await db.Users.Include(u => u.Organization).SingleAsync(u => u.Id == old.UserId, cancellationToken).ConfigureAwait(false);
        var (token, secret) = issuer.Issue(owner, old.Name, old.Note, TokenRules.RotatedExpiration(old, owner.Organization, now), CreatedVia);
        // Everything that narrows what the old token may do carries over, so a rotation never widens access.
        token.AllowedCidrs = old.AllowedCidrs;
        token.Scopes = old.Scopes;
        DateTimeOffset? retiresAt = graceSeconds is > 0 ? now.AddSeconds(graceSeconds.Value) : null;
        var until = retiresAt is { } end ? $"until {end:O}" : "until the new token is first used";

        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var claimed = await db.AccessTokens.Where(t => t.Id == old.Id && t.ReplacedByTokenId == null && t.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.ReplacedByTokenId, token.Id).SetProperty(t => t.RetiresAt, retiresAt), cancellationToken)
                .ConfigureAwait(false);
            if (claimed == 0)
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return await RefuseAsync(db, http, caller, old.Id, "This token was rotated or revoked a moment ago by another request; list your tokens to see its replacement.",
                    cancellationToken).ConfigureAwait(false);
            }

            db.AccessTokens.Add(token);
            db.AuditEvents.Add(audit.Event(http, "token.rotate", "success", caller.Grant, "token", old.Id,
                $"replaced by {token.Id}; the old token works {until}" + (own ? "" : $"; token of {owner.Email}")));
            if (!own)
            {
                // Someone else now holds a secret that acts as the owner: the owner should hear of it.
                notices.Add(db, owner.OrganizationId, owner.Id, token.Id, "token.rotated", $"token.rotated:{token.Id}",
                    $"Your token \"{old.Name}\" was rotated by {caller.Grant.Email}",
                    $"{caller.Grant.Email} rotated your token \"{old.Name}\" (id {old.Id}). Its replacement is {token.Id}; the old secret works {until}.");
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        Log.TokenRotated(logger, old.Id, token.Id);
        metrics.TokenCreated();
        // Every replica reads the old token again, now with its end.
        await changes.TokenRevokedAsync(TokenDigest.FromBytes(old.SecretDigest)).ConfigureAwait(false);
        var scopes = TokenScopeSet.Parse(token.Scopes);
        var described = await ScopeNames.DescribeAsync(db, token.OrganizationId, scopes, cancellationToken).ConfigureAwait(false);
        return new RotationResult(new CreatedToken(token.Id, token.Name, token.Note, token.CreatedAt, token.ExpiresAt, secret, Scopes: described,
            AllowedCidrs: TokenNetworks.List(token.AllowedCidrs), Replaces: new RotationInfo(old.Id, retiresAt)), null, null);
    }

    /// <summary>
    /// One's own tokens with tokens:own, anyone's with tokens:revoke-all; and a scoped token may only
    /// rotate itself or tokens no wider than itself, since the new secret is handed to the caller.
    /// </summary>
    private async Task<bool> MayRotateAsync(Caller caller, AccessToken old, bool own, CancellationToken cancellationToken)
    {
        if (caller.Grant.Scopes is { } callerScopes && old.Id != caller.TokenId
            && (TokenScopeSet.Parse(old.Scopes) is not { } oldScopes || !oldScopes.IsWithin(callerScopes)))
        {
            return false;
        }

        return old.Id == caller.TokenId
            || (own && await access.HasAsync(caller, Permissions.TokensOwn, cancellationToken: cancellationToken).ConfigureAwait(false))
            || await access.HasAsync(caller, Permissions.TokensRevokeAll, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static string? Refusal(AccessToken old, DateTimeOffset now) => old switch
    {
        { ReplacedByTokenId: { } next } when old.RevokedAt is not null || old.RetiresAt <= now =>
            $"This token was rotated and has stopped working; its replacement is {next}. Rotate that one instead.",
        { RevokedAt: not null } => "This token is revoked, and a revoked token cannot be rotated. Create a new token instead.",
        { ReplacedByTokenId: { } next } =>
            $"This token was already rotated: its replacement is {next}, and this one works {(old.RetiresAt is { } end ? $"until {end:yyyy-MM-dd HH:mm} UTC" : $"until {next} is first used")}. Rotate {next} after that.",
        _ when old.ExpiresAt <= now => "This token has expired, and an expired token cannot be rotated. Create a new token instead.",
        _ => null,
    };

    /// <summary>A replacement is not rotated again while the token it replaced still works: at most two live secrets per chain.</summary>
    private static async Task<string?> PredecessorInGraceAsync(LatchkeyDbContext db, string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var predecessor = await db.AccessTokens.AsNoTracking()
            .Where(p => p.ReplacedByTokenId == id && p.RevokedAt == null && (p.RetiresAt == null || p.RetiresAt > now))
            .Select(p => new { p.Id, p.RetiresAt })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return predecessor is null ? null
            : $"This token replaced {predecessor.Id}, which still works {(predecessor.RetiresAt is { } end ? $"until {end:yyyy-MM-dd HH:mm} UTC" : "until this token is first used")}. Rotate again after that.";
    }

    private async Task<RotationResult> RefuseAsync(LatchkeyDbContext db, HttpContext http, Caller caller, string id, string why, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        db.AuditEvents.Add(audit.Event(http, "token.rotate", "denied", caller.Grant, "token", id, why));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return RotationResult.Conflict(why);
    }
}

/// <summary>The new token, or why there is none: 400 (<see cref="Invalid"/>), 404 (<see cref="NotFound"/>) or 409 (<see cref="Conflict"/>).</summary>
internal sealed record RotationResult(CreatedToken? Created, int? Status, string? Message)
{
    public static readonly RotationResult NotFound = new(null, StatusCodes.Status404NotFound, null);

    public static RotationResult Invalid(string message) => new(null, StatusCodes.Status400BadRequest, message);

    public static RotationResult Conflict(string message) => new(null, StatusCodes.Status409Conflict, message);
}
