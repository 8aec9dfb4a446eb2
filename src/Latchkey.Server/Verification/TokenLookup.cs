using System.Linq.Expressions;
using Latchkey.Data;
using Latchkey.Server.Tokens;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Verification;

/// <summary>
/// The store's side of verification: one token's row with its owner, organization and parent,
/// and the one judgement of whether that row is a live token.
/// </summary>
internal static class TokenLookup
{
    /// <summary>One projection for every lookup: the row, its owner, its organization and its parent. (Declared first: the lookups below are compiled from it.)</summary>
    private static readonly Expression<Func<LatchkeyDbContext, IQueryable<AccessToken>, TokenRow?>> Row = (db, tokens) =>
        tokens
                .LeftJoin(db.AccessTokens, t => t.ParentTokenId, p => p.Id, (t, p) => new { t, p })
                .Select(x => new TokenRow
                {
                    Id = x.t.Id,
                    Name = x.t.Name,
                    ExpiresAt = x.t.ExpiresAt,
                    RevokedAt = x.t.RevokedAt,
                    Scopes = x.t.Scopes,
                    UserId = x.t.UserId,
                    Email = x.t.User.Email,
                    DisplayName = x.t.User.DisplayName,
                    UserActive = x.t.User.IsActive,
                    OrganizationId = x.t.OrganizationId,
                    OrganizationSlug = x.t.User.Organization.Slug,
                    OrganizationName = x.t.User.Organization.Name,
                    AllowedCidrs = x.t.AllowedCidrs,
                    ReplacedByTokenId = x.t.ReplacedByTokenId,
                    RetiresAt = x.t.RetiresAt,
                    RevocationReason = x.t.RevocationReason,
                    CreatedVia = x.t.CreatedVia,
                    SecretDigest = x.t.SecretDigest,
                    ParentTokenId = x.t.ParentTokenId,
                    ParentDigest = x.p == null ? null : x.p.SecretDigest,
                    ParentRevokedAt = x.p == null ? null : x.p.RevokedAt,
                    ParentExpiresAt = x.p == null ? null : x.p.ExpiresAt,
                    ParentRetiresAt = x.p == null ? null : x.p.RetiresAt,
                    RetiresOnFirstUse = db.AccessTokens
                        .Where(o => o.ReplacedByTokenId == x.t.Id && o.RevokedAt == null && o.RetiresAt == null)
                        .Select(o => o.Id)
                        .FirstOrDefault(),
                })
                .FirstOrDefault();

    /// <summary>
    /// The token stored under this digest and key id, through the ORM: the reference that
    /// verification's own prepared lookup (<see cref="StoredTokenReader"/>) is held to by a test.
    /// </summary>
    public static readonly Func<LatchkeyDbContext, byte[], string, Task<TokenRow?>> FindByDigest =
        Compile((LatchkeyDbContext db, byte[] digest, string keyId) => db.AccessTokens.Where(t => t.SecretDigest == digest && t.DigestKeyId == keyId));

    /// <summary>The token with this public id in this organization (what a SubjectAccessReview names).</summary>
    public static readonly Func<LatchkeyDbContext, string, Guid, Task<TokenRow?>> FindById =
        Compile((LatchkeyDbContext db, string id, Guid organizationId) => db.AccessTokens.Where(t => t.Id == id && t.OrganizationId == organizationId));

    /// <summary>
    /// A live token, as every door must see it: not revoked, its owner active, and for a child a
    /// parent that still exists and has neither been revoked nor passed its rotation's grace.
    /// The expiry of a child is its own or its parent's end, whichever comes first.
    /// </summary>
    public static Verification Judge(TokenRow row, DateTimeOffset now)
    {
        if (row.ParentTokenId is not null && (row.ParentDigest is null || row.ParentRevokedAt is not null || row.ParentRetiresAt <= now))
        {
            return new Verification(null, VerificationFailure.Revoked, row.Id, row.OrganizationId);
        }

        if (row.RevokedAt is not null)
        {
            var rotated = row.ReplacedByTokenId is not null && row.RevocationReason == TokenRotation.RevocationReason;
            return new Verification(null, VerificationFailure.Revoked, row.Id, row.OrganizationId,
                rotated ? new RetiredTokenUse(row.Id, row.Name, row.UserId, row.OrganizationId, row.ReplacedByTokenId) : null);
        }

        if (!row.UserActive)
        {
            return new Verification(null, VerificationFailure.OwnerDisabled, row.Id, row.OrganizationId);
        }

        return Verification.Valid(new TokenGrant(row.Id, row.Name, Lineage.Earliest(row.ExpiresAt, row.ParentExpiresAt, row.ParentRetiresAt), row.UserId,
            row.Email, row.DisplayName, row.OrganizationId, row.OrganizationSlug, row.OrganizationName, Iam.TokenScopeSet.Parse(row.Scopes),
            TokenNetworks.Parse(row.AllowedCidrs), row.ReplacedByTokenId is null ? null : row.RetiresAt, row.ReplacedByTokenId, row.RetiresOnFirstUse,
            row.ParentDigest is { } parent ? TokenDigest.FromBytes(parent) : null, row.CreatedVia == Lineage.ExecCredential));
    }

    private static Func<LatchkeyDbContext, TFirst, TSecond, Task<TokenRow?>> Compile<TFirst, TSecond>(
        Expression<Func<LatchkeyDbContext, TFirst, TSecond, IQueryable<AccessToken>>> filter)
    {
        var body = new Substitute(Row.Parameters[0], filter.Parameters[0], Row.Parameters[1], filter.Body).Visit(Row.Body);
        return EF.CompileAsyncQuery(Expression.Lambda<Func<LatchkeyDbContext, TFirst, TSecond, TokenRow?>>(body, filter.Parameters));
    }

    private sealed class Substitute(ParameterExpression db, Expression withDb, ParameterExpression tokens, Expression withTokens) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) =>
            node == db ? withDb : node == tokens ? withTokens : base.VisitParameter(node);
    }

    internal sealed class TokenRow
    {
        public required string Id { get; init; }
        public required string Name { get; init; }
        public DateTimeOffset? ExpiresAt { get; init; }
        public DateTimeOffset? RevokedAt { get; init; }
        public string? Scopes { get; init; }
        public Guid UserId { get; init; }
        public required string Email { get; init; }
        public required string DisplayName { get; init; }
        public bool UserActive { get; init; }
        public Guid OrganizationId { get; init; }
        public required string OrganizationSlug { get; init; }
        public required string OrganizationName { get; init; }
        public string? AllowedCidrs { get; init; }
        public string? ReplacedByTokenId { get; init; }
        public DateTimeOffset? RetiresAt { get; init; }
        public string? RevocationReason { get; init; }
        public string? RetiresOnFirstUse { get; init; }
        public required string CreatedVia { get; init; }
        public required byte[] SecretDigest { get; init; }
        public string? ParentTokenId { get; init; }
        public byte[]? ParentDigest { get; init; }
        public DateTimeOffset? ParentRevokedAt { get; init; }
        public DateTimeOffset? ParentExpiresAt { get; init; }
        public DateTimeOffset? ParentRetiresAt { get; init; }
    }
}
