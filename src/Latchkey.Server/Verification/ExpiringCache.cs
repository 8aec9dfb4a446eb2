using System.Collections.Concurrent;

namespace Latchkey.Server.Verification;

/// <summary>
/// Things read from the store, each trusted for a short time: credentials found by digest (never by
/// secret text), policies by user, organizations by id. Whatever changes such a thing evicts it
/// here, so this process never serves a revoked credential or a withdrawn right. A lookup that
/// started before an eviction cannot put its stale answer back (the generation check). An entry is
/// served only while the replica is current with the others' changes (<see cref="Data.FeedCurrency"/>);
/// otherwise the owner reads the store again.
/// </summary>
internal sealed class ExpiringCache<TKey, T>(TimeProvider time, TimeSpan ttl, int capacity, Data.FeedCurrency currency) where TKey : notnull where T : class
{
    private readonly ConcurrentDictionary<TKey, Entry> entries = new();
    private readonly Lock writeLock = new();
    private long generation;

    public long Generation => Interlocked.Read(ref generation);

    public bool TryGet(TKey key, out T value)
    {
        if (entries.TryGetValue(key, out var entry) && time.GetUtcNow() < entry.FreshUntil && currency.MayServeCached)
        {
            value = entry.Value;
            return true;
        }

        value = null!;
        return false;
    }

    /// <summary>Stores a value read from the store, unless an eviction happened since that read began.</summary>
    public void Set(TKey key, T value, long observedGeneration)
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

            entries[key] = new Entry(value, time.GetUtcNow() + ttl);
        }
    }

    public void Evict(TKey key)
    {
        lock (writeLock)
        {
            generation++;
            entries.TryRemove(key, out _);
        }
    }

    public void EvictWhere(Func<T, bool> predicate)
    {
        lock (writeLock)
        {
            generation++;
            foreach (var (key, entry) in entries)
            {
                if (predicate(entry.Value))
                {
                    entries.TryRemove(key, out _);
                }
            }
        }
    }

    private sealed record Entry(T Value, DateTimeOffset FreshUntil);
}
