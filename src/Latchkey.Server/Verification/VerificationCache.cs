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

    public DigestCache<TokenGrant> Valid { get; } = new(time, options.Value.VerificationCacheTtl, options.Value.VerificationCacheCapacity);

    public DigestCache<object> UnknownDigests { get; } = new(time, UnknownTtl, 10_000);

    public long Generation => Valid.Generation;

    public bool TryGet(TokenDigest digest, out TokenGrant grant) => Valid.TryGet(digest, out grant);

    public void Set(TokenDigest digest, TokenGrant grant, long observedGeneration) => Valid.Set(digest, grant, observedGeneration);

    public bool IsRecentlyUnknown(TokenDigest digest) => UnknownDigests.TryGet(digest, out _);

    public void RememberUnknown(TokenDigest digest) => UnknownDigests.Set(digest, Unknown, UnknownDigests.Generation);

    public void Evict(TokenDigest digest) => Valid.Evict(digest);

    public void EvictUser(Guid userId) => Valid.EvictWhere(g => g.UserId == userId);
}
