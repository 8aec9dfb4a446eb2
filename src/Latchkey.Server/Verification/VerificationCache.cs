using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Verification;

/// <summary>
/// What verification remembers: valid tokens (short TTL, evicted on revocation and on any change
/// to their owner) and digests the store did not know (a bounded negative cache, so a flood of
/// well-formed guesses cannot turn into a flood of store lookups).
/// </summary>
internal sealed class VerificationCache(IOptions<LatchkeyOptions> options, TimeProvider time)
{
    /// <summary>How long "no such token" is remembered. New tokens cannot be hit by this: their 178 random bits were never presented before.</summary>
    private static readonly TimeSpan UnknownTtl = TimeSpan.FromSeconds(30);

    private static readonly object Unknown = new();

    /// <summary>
    /// For a token stored under an older key: its grant is cached under its digest with the current
    /// key (what verification computes), while revocation names the digest the store holds. This
    /// remembers which is which, so that revoking such a token still evicts it.
    /// </summary>
    private readonly ConcurrentDictionary<TokenDigest, TokenDigest> storedUnderOlderKey = new();

    public ExpiringCache<TokenDigest, TokenGrant> Valid { get; } = new(time, options.Value.VerificationCacheTtl, options.Value.VerificationCacheCapacity);

    public ExpiringCache<TokenDigest, object> UnknownDigests { get; } = new(time, UnknownTtl, 10_000);

    public long Generation => Valid.Generation;

    public bool TryGet(TokenDigest digest, out TokenGrant grant) => Valid.TryGet(digest, out grant);

    public void Set(TokenDigest digest, TokenGrant grant, long observedGeneration) => Valid.Set(digest, grant, observedGeneration);

    public bool IsRecentlyUnknown(TokenDigest digest) => UnknownDigests.TryGet(digest, out _);

    public void RememberUnknown(TokenDigest digest) => UnknownDigests.Set(digest, Unknown, UnknownDigests.Generation);

    /// <summary>Caches the grant of a token stored under an older key (<paramref name="stored"/> is the digest in the store).</summary>
    public void SetStoredUnderOlderKey(TokenDigest digest, TokenDigest stored, TokenGrant grant, long observedGeneration)
    {
        if (storedUnderOlderKey.Count >= options.Value.VerificationCacheCapacity)
        {
            // Rare, and safe: forgetting every grant only costs store lookups.
            Valid.EvictWhere(_ => true);
            storedUnderOlderKey.Clear();
            return;
        }

        // The link first: an eviction that comes before the grant is stored then finds it (and the generation turns the grant away).
        storedUnderOlderKey[stored] = digest;
        Valid.Set(digest, grant, observedGeneration);
    }

    public void Evict(TokenDigest digest)
    {
        Valid.Evict(digest);
        if (storedUnderOlderKey.TryRemove(digest, out var cachedUnder))
        {
            Valid.Evict(cachedUnder);
        }
    }

    public void EvictUser(Guid userId) => Valid.EvictWhere(g => g.UserId == userId);
}
