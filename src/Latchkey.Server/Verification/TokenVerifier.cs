using System.Collections.Concurrent;
using System.Net;
using Latchkey.Core.Tokens;
using Latchkey.Data;
using Latchkey.Server.Observability;
using Latchkey.Server.Tokens;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Verification;

/// <summary>
/// The one path every door uses: format and checksum, digest, cache or store, then revoked,
/// expired, rotated, owner and network checks. Garbage never reaches the store; concurrent misses
/// for one digest share one store lookup; a store fault propagates (and becomes a 503), it never
/// becomes a "no".
/// </summary>
internal sealed class TokenVerifier(
    TokenKeyRing keys,
    VerificationCache cache,
    IDbContextFactory<LatchkeyDbContext> store,
    LastUsedRecorder lastUsed,
    UsageRecorder usage,
    RotationRetirement rotation,
    LatchkeyMetrics metrics,
    TimeProvider time)
{
    private static readonly Func<LatchkeyDbContext, byte[], string, Task<TokenRow?>> FindByDigest =
        EF.CompileAsyncQuery((LatchkeyDbContext db, byte[] digest, string keyId) =>
            db.AccessTokens
                .Where(t => t.SecretDigest == digest && t.DigestKeyId == keyId)
                .Select(t => new TokenRow
                {
                    Id = t.Id,
                    Name = t.Name,
                    ExpiresAt = t.ExpiresAt,
                    RevokedAt = t.RevokedAt,
                    Scopes = t.Scopes,
                    UserId = t.UserId,
                    Email = t.User.Email,
                    DisplayName = t.User.DisplayName,
                    UserActive = t.User.IsActive,
                    OrganizationId = t.OrganizationId,
                    OrganizationSlug = t.User.Organization.Slug,
                    OrganizationName = t.User.Organization.Name,
                    AllowedCidrs = t.AllowedCidrs,
                    ReplacedByTokenId = t.ReplacedByTokenId,
                    RetiresAt = t.RetiresAt,
                    RevocationReason = t.RevocationReason,
                    RetiresOnFirstUse = db.AccessTokens
                        .Where(o => o.ReplacedByTokenId == t.Id && o.RevokedAt == null && o.RetiresAt == null)
                        .Select(o => o.Id)
                        .FirstOrDefault(),
                })
                .FirstOrDefault());

    private readonly ConcurrentDictionary<TokenDigest, Lazy<Task<Verification>>> inflight = new();

    /// <param name="door">Where the token was presented, for the usage counts.</param>
    /// <param name="source">The address the request reached Latchkey from (the client behind a trusted proxy): the allowlist is matched against it.</param>
    public async ValueTask<Verification> VerifyAsync(string? token, Door door, IPAddress? source)
    {
        if (string.IsNullOrEmpty(token))
        {
            return Verification.Failed(VerificationFailure.Missing);
        }

        if (!TokenFormat.IsWellFormed(token))
        {
            return Verification.Failed(VerificationFailure.Malformed);
        }

        var digest = keys.Digest(token);
        if (cache.TryGet(digest, out var grant))
        {
            metrics.CacheHit();
        }
        else
        {
            metrics.CacheMiss();
            if (cache.IsRecentlyUnknown(digest))
            {
                return Verification.Failed(VerificationFailure.Unknown);
            }

            var found = await LookupOnceAsync(digest, token).ConfigureAwait(false);
            if (found.Grant is null)
            {
                if (found.Retired is { } retired)
                {
                    await rotation.ReportReuseAsync(retired, door, source).ConfigureAwait(false);
                }

                return found;
            }

            grant = found.Grant;
        }

        var now = time.GetUtcNow();
        if (grant.ExpiresAt <= now)
        {
            return new Verification(null, VerificationFailure.Expired, grant.TokenId, grant.OrganizationId);
        }

        // A rotated token's grace ends at an exact time, whether or not the lifecycle job has written the revocation yet.
        if (grant.RetiresAt <= now)
        {
            var retired = new RetiredTokenUse(grant.TokenId, grant.TokenName, grant.UserId, grant.OrganizationId, grant.ReplacedBy);
            await rotation.ReportReuseAsync(retired, door, source).ConfigureAwait(false);
            return new Verification(null, VerificationFailure.Revoked, grant.TokenId, grant.OrganizationId, retired);
        }

        if (grant.Networks is { } networks && !TokenNetworks.Allows(networks, source))
        {
            return new Verification(null, VerificationFailure.NetworkDenied, grant.TokenId, grant.OrganizationId);
        }

        if (grant.RetiresOnFirstUse is not null)
        {
            await rotation.RetirePredecessorAsync(grant, digest).ConfigureAwait(false);
        }

        lastUsed.Record(grant.TokenId, now, source);
        usage.Record(grant.TokenId, door, now, source);
        return Verification.Valid(grant);
    }

    private async Task<Verification> LookupOnceAsync(TokenDigest digest, string token)
    {
        var lookup = inflight.GetOrAdd(digest, d => new Lazy<Task<Verification>>(() => LookupAsync(d, token)));
        try
        {
            return await lookup.Value.ConfigureAwait(false);
        }
        finally
        {
            inflight.TryRemove(KeyValuePair.Create(digest, lookup));
        }
    }

    private async Task<Verification> LookupAsync(TokenDigest digest, string token)
    {
        var generation = cache.Generation;
        var db = await store.CreateDbContextAsync().ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var row = await FindByDigest(db, digest.ToArray(), keys.CurrentKeyId).ConfigureAwait(false);
            TokenDigest? stored = null;
            foreach (var (keyId, key) in keys.OlderKeys)
            {
                if (row is not null)
                {
                    break;
                }

                var older = TokenDigest.Compute(key, token);
                row = await FindByDigest(db, older.ToArray(), keyId).ConfigureAwait(false);
                stored = row is null ? null : older;
            }

            if (row is null)
            {
                cache.RememberUnknown(digest);
                return Verification.Failed(VerificationFailure.Unknown);
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

            var grant = new TokenGrant(row.Id, row.Name, row.ExpiresAt, row.UserId, row.Email, row.DisplayName,
                row.OrganizationId, row.OrganizationSlug, row.OrganizationName, Iam.TokenScopeSet.Parse(row.Scopes), TokenNetworks.Parse(row.AllowedCidrs),
                row.ReplacedByTokenId is null ? null : row.RetiresAt, row.ReplacedByTokenId, row.RetiresOnFirstUse);
            if (stored is { } olderDigest)
            {
                // Revocation evicts by the digest in the store: the cache links it to this one.
                cache.SetStoredUnderOlderKey(digest, olderDigest, grant, generation);
            }
            else
            {
                cache.Set(digest, grant, generation);
            }

            return Verification.Valid(grant);
        }
    }

    private sealed class TokenRow
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
    }
}
