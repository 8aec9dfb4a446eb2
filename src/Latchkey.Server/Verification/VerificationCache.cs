using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Verification;

/// <summary>
/// Valid tokens by digest (never by token text), each trusted for a short time. Anything that
/// changes a token or its owner evicts here, so this process never serves a revoked token.
/// </summary>
internal sealed class VerificationCache(IOptions<LatchkeyOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<TokenDigest, Entry> entries = new();
    private readonly TimeSpan ttl = options.Value.VerificationCacheTtl;
    private readonly int capacity = options.Value.VerificationCacheCapacity;
    private readonly Lock writeLock = new();
    private long generation;

    /// <summary>Changes on every eviction: a lookup that started before one must not fill the cache.</summary>
    public long Generation => Interlocked.Read(ref generation);

    public bool TryGet(TokenDigest digest, out TokenGrant grant)
    {
        if (entries.TryGetValue(digest, out var entry) && time.GetUtcNow() < entry.FreshUntil)
        {
            grant = entry.Grant;
            return true;
        }

        grant = null!;
        return false;
    }

    /// <summary>Stores a grant read from the store, unless an eviction happened since that read began.</summary>
    public void Set(TokenDigest digest, TokenGrant grant, long observedGeneration)
    {
        lock (writeLock)
        {
            if (generation != observedGeneration)
            {
                return;
            }

            if (entries.Count >= capacity)
            {
                // Rare, and safe: a cleared cache only costs store lookups.
                entries.Clear();
            }

            entries[digest] = new Entry(grant, time.GetUtcNow() + ttl);
        }
    }

    public void Evict(TokenDigest digest)
    {
        lock (writeLock)
        {
            generation++;
            entries.TryRemove(digest, out _);
        }
    }

    public void EvictUser(Guid userId)
    {
        lock (writeLock)
        {
            generation++;
            foreach (var (digest, entry) in entries)
            {
                if (entry.Grant.UserId == userId)
                {
                    entries.TryRemove(digest, out _);
                }
            }
        }
    }

    private sealed record Entry(TokenGrant Grant, DateTimeOffset FreshUntil);
}
