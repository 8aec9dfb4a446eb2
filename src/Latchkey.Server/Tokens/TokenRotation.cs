using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
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
    TokenIssuer issuer, AccessEvaluator access, TokenRevocation revocation, ChangeFeed changes, AuditLog audit, TimeProvider time, ILogger<TokenRotation> logger)
{
    public const string RevocationReason = "rotated";
    public const string CreatedVia = "rotation";
    public const int MaxGraceSeconds = 7 * 24 * 60 * 60;

    /// <summary>What a token admin is told: rights over others' tokens mean revoking them, never holding their secrets.</summary>
    public const string OnlyTheOwner =
        "Only the owner of a token can rotate it, since rotation hands its new secret to whoever asks. You can revoke it; its owner then makes a new one.";

    public async Task<Outcome<CreatedToken>> RotateAsync(
        LatchkeyDbContext db, HttpContext http, Caller caller, string id, int? graceSeconds, CancellationToken cancellationToken)
    {
        if (graceSeconds is < 0 or > MaxGraceSeconds)
        {
            return Refused.Invalid("graceSeconds",
                $"graceSeconds must be from 0 (the old token works until the new one is first used) to {MaxGraceSeconds} (7 days); {graceSeconds} is outside.");
        }

        var old = await db.AccessTokens.AsNoTracking()
            .SingleOrDefaultAsync(t => t.Id == id && t.OrganizationId == caller.OrganizationId, cancellationToken).ConfigureAwait(false);
        if (old is null || old.UserId != caller.UserId || !await MayRotateAsync(caller, old, cancellationToken).ConfigureAwait(false))
        {
            // Someone else's token: one the caller may see is refused in words, any other looks like none at all.
            var visible = old is not null && await TokenInventory.MayReadAsync(access, caller, old.UserId, cancellationToken).ConfigureAwait(false);
            if (old is not null && old.UserId != caller.UserId && visible)
            {
                return await RefuseAsync(db, http, caller, old.Id, Refused.Forbidden(OnlyTheOwner), cancellationToken).ConfigureAwait(false);
            }

            await revocation.AuditNotFoundAsync(db, http, caller, "token.rotate", id, cancellationToken).ConfigureAwait(false);
            return Refused.NotFound("No such token exists that you may rotate.");
        }

        var now = time.GetUtcNow();
        var refusal = Refusal(old, now) ?? await PredecessorInGraceAsync(db, old.Id, now, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            return await RefuseAsync(db, http, caller, old.Id, Refused.Conflict(refusal), cancellationToken).ConfigureAwait(false);
        }

        var owner = await db.Users.Include(u => u.Organization).AsNoTracking().SingleAsync(u => u.Id == old.UserId, cancellationToken).ConfigureAwait(false);
        DateTimeOffset? retiresAt = graceSeconds is > 0 ? now.AddSeconds(graceSeconds.Value) : null;
        var until = retiresAt is { } end ? $"until {end:O}" : "until the new token is first used";
        // Everything that narrows what the old token may do carries over, so a rotation never widens access.
        var draft = new TokenDraft(old.Name, old.Note, TokenRules.RotatedExpiration(old, owner.Organization, now), CreatedVia,
            TokenScopeSet.Parse(old.Scopes), old.AllowedCidrs);
        var issued = await issuer.IssueAsync(db, old.OrganizationId, old.UserId, draft,
            token => audit.Event(http, "token.rotate", "success", caller.Grant, "token", old.Id, $"replaced by {token.Id}; the old token works {until}"),
            cancellationToken,
            alongside: async token =>
            {
                var claimed = await db.AccessTokens.Where(t => t.Id == old.Id && t.ReplacedByTokenId == null && t.RevokedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(t => t.ReplacedByTokenId, token.Id).SetProperty(t => t.RetiresAt, retiresAt), cancellationToken)
                    .ConfigureAwait(false);
                return claimed == 0
                    ? Refused.Conflict("This token was rotated or revoked a moment ago by another request; list your tokens to see its replacement.")
                    : null;
            }).ConfigureAwait(false);
        if (issued.Value is not { Token: var token, Secret: var secret })
        {
            return await RefuseAsync(db, http, caller, old.Id, issued.Refused!, cancellationToken).ConfigureAwait(false);
        }

        Log.TokenRotated(logger, old.Id, token.Id);
        // Every replica reads the old token again, now with its end (and so do the tokens made from it).
        await changes.TokenRevokedAsync(TokenDigest.FromBytes(old.SecretDigest)).ConfigureAwait(false);
        var scopes = TokenScopeSet.Parse(token.Scopes);
        var described = await ScopeNames.DescribeAsync(db, token.OrganizationId, scopes, cancellationToken).ConfigureAwait(false);
        return new CreatedToken(token.Id, token.Name, token.Note, token.CreatedAt, token.ExpiresAt, secret, Scopes: described,
            AllowedCidrs: TokenNetworks.List(token.AllowedCidrs), Replaces: new RotationInfo(old.Id, retiresAt));
    }

    /// <summary>
    /// One's own token with tokens:own (or the token in use itself); a scoped token may only rotate
    /// itself or tokens no wider than itself, since the new secret is handed to the caller.
    /// </summary>
    private async Task<bool> MayRotateAsync(Caller caller, AccessToken old, CancellationToken cancellationToken)
    {
        if (caller.Grant.Scopes is { } callerScopes && old.Id != caller.TokenId
            && (TokenScopeSet.Parse(old.Scopes) is not { } oldScopes || !oldScopes.IsWithin(callerScopes)))
        {
            return false;
        }

        return old.Id == caller.TokenId || await access.HasAsync(caller, Permissions.TokensOwn, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static string? Refusal(AccessToken old, DateTimeOffset now) => old switch
    {
        { ParentTokenId: not null } or { CreatedVia: Lineage.ExecCredential } =>
            "An exec credential is not rotated: it lives an hour at most, and 'latchkey credential' fetches a new one when it ends.",
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

    private async Task<Refused> RefuseAsync(LatchkeyDbContext db, HttpContext http, Caller caller, string id, Refused why, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        db.AuditEvents.Add(audit.Event(http, "token.rotate", "denied", caller.Grant, "token", id, why.Message));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return why;
    }
}
