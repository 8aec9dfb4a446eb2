using System.Collections.Concurrent;
using Latchkey.Core.Tokens;
using Latchkey.Data;
using Latchkey.Server.Observability;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Verification;

/// <summary>
/// The one path every door uses: format and checksum, digest, cache or store, then revoked,
/// expired and owner checks. Garbage never reaches the store; concurrent misses for one digest
/// share one store lookup; a store fault propagates (and becomes a 503), it never becomes a "no".
/// </summary>
internal sealed class TokenVerifier(
    TokenKeyRing keys,
    VerificationCache cache,
    IDbContextFactory<LatchkeyDbContext> store,
    LastUsedRecorder lastUsed,
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
                })
                .FirstOrDefault());

    private readonly ConcurrentDictionary<TokenDigest, Lazy<Task<Verification>>> inflight = new();

    public async ValueTask<Verification> VerifyAsync(string? token, string? source)
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
                return found;
            }

            grant = found.Grant;
        }

        var now = time.GetUtcNow();
        if (grant.ExpiresAt <= now)
        {
            return new Verification(null, VerificationFailure.Expired, grant.TokenId, grant.OrganizationId);
        }

        lastUsed.Record(grant.TokenId, now, source);
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
            var underCurrentKey = row is not null;
            foreach (var (keyId, key) in keys.OlderKeys)
            {
                if (row is not null)
                {
                    break;
                }

                row = await FindByDigest(db, TokenDigest.Compute(key, token).ToArray(), keyId).ConfigureAwait(false);
            }

            if (row is null)
            {
                cache.RememberUnknown(digest);
                return Verification.Failed(VerificationFailure.Unknown);
            }

            if (row.RevokedAt is not null)
            {
                return new Verification(null, VerificationFailure.Revoked, row.Id, row.OrganizationId);
            }

            if (!row.UserActive)
            {
                return new Verification(null, VerificationFailure.OwnerDisabled, row.Id, row.OrganizationId);
            }

            var grant = new TokenGrant(row.Id, row.Name, row.ExpiresAt, row.UserId, row.Email, row.DisplayName,
                row.OrganizationId, row.OrganizationSlug, row.OrganizationName, Iam.TokenScopeSet.Parse(row.Scopes));
            if (underCurrentKey)
            {
                // Revocation evicts by the stored digest, so only grants stored under the current key are cached.
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
    }
}
