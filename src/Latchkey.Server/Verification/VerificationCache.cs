using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Verification;

/// <summary>
/// What verification remembers: valid tokens (short TTL, evicted on revocation and on any change
/// to their owner) and digests the store did not know (a bounded negative cache, so a flood of
/// well-formed guesses cannot turn into a flood of store lookups).
/// </summary>
internal sealed class VerificationCache(IOptions<LatchkeyOptions> options, TimeProvider time, Data.FeedCurrency currency)
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

    /// <summary>
    /// Token id to the digest its grant is cached under, for reviews that name a token by id. An
    /// entry may outlive its grant; a lookup through it checks the grant it finds has that id.
    /// </summary>
    private readonly ConcurrentDictionary<string, TokenDigest> digestsById = new(StringComparer.Ordinal);

    /// <summary>Whether a token made from another was ever cached: only then does an eviction look for children.</summary>
    private volatile bool holdsChildren;

    public ExpiringCache<TokenDigest, TokenGrant> Valid { get; } = new(time, options.Value.VerificationCacheTtl, options.Value.VerificationCacheCapacity, currency);

    public ExpiringCache<TokenDigest, object> UnknownDigests { get; } = new(time, UnknownTtl, 10_000, currency);

    public long Generation => Valid.Generation;

    public bool TryGet(TokenDigest digest, out TokenGrant grant) => Valid.TryGet(digest, out grant);

    public void Set(TokenDigest digest, TokenGrant grant, long observedGeneration)
    {
        if (grant.ParentDigest is not null)
        {
            holdsChildren = true;
        }

        if (digestsById.Count >= options.Value.VerificationCacheCapacity)
        {
            digestsById.Clear();
        }

        digestsById[grant.TokenId] = digest;
        Valid.Set(digest, grant, observedGeneration);
    }

    public bool TryGetById(string tokenId, out TokenDigest digest, out TokenGrant grant)
    {
        if (digestsById.TryGetValue(tokenId, out digest) && Valid.TryGet(digest, out grant) && grant.TokenId == tokenId)
        {
            return true;
        }

        grant = null!;
        return false;
    }

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
        Set(digest, grant, observedGeneration);
    }

    /// <summary>Forgets the token stored under <paramref name="digest"/> and every token made from it.</summary>
    public void Evict(TokenDigest digest)
    {
        Valid.Evict(digest);
        if (storedUnderOlderKey.TryRemove(digest, out var cachedUnder))
        {
            Valid.Evict(cachedUnder);
        }

        if (holdsChildren)
        {
            Valid.EvictWhere(g => g.ParentDigest == digest);
        }
    }

    public void EvictUser(Guid userId) => Valid.EvictWhere(g => g.UserId == userId);
}
