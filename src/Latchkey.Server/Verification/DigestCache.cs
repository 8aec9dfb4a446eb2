using System.Collections.Concurrent;

namespace Latchkey.Server.Verification;

/// <summary>
/// Things found by digest (never by secret text), each trusted for a short time. Whatever changes
/// such a thing evicts it here, so this process never serves a revoked credential. A lookup that
/// started before an eviction cannot put its stale answer back (the generation check).
/// </summary>
internal sealed class DigestCache<T>(TimeProvider time, TimeSpan ttl, int capacity) where T : class
{
    private readonly ConcurrentDictionary<TokenDigest, Entry> entries = new();
    private readonly Lock writeLock = new();
    private long generation;

    public long Generation => Interlocked.Read(ref generation);

    public bool TryGet(TokenDigest digest, out T value)
    {
        if (entries.TryGetValue(digest, out var entry) && time.GetUtcNow() < entry.FreshUntil)
        {
            value = entry.Value;
            return true;
        }

        value = null!;
        return false;
    }

    /// <summary>Stores a value read from the store, unless an eviction happened since that read began.</summary>
    public void Set(TokenDigest digest, T value, long observedGeneration)
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

            entries[digest] = new Entry(value, time.GetUtcNow() + ttl);
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

    public void EvictWhere(Func<T, bool> predicate)
    {
        lock (writeLock)
        {
            generation++;
            foreach (var (digest, entry) in entries)
            {
                if (predicate(entry.Value))
                {
                    entries.TryRemove(digest, out _);
                }
            }
        }
    }

    private sealed record Entry(T Value, DateTimeOffset FreshUntil);
}
