using System.Collections.Concurrent;
using System.Net;
using Latchkey.Data;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Verification;

/// <summary>
/// Counts uses per token, day and door, and remembers the addresses each token was used from,
/// in memory; <see cref="FlushAsync"/> adds them to the store in batches. A use costs two
/// dictionary lookups and an atomic increment, and allocates only the first time a key is seen.
/// The store adds counts with an atomic upsert, so several replicas never overwrite each other.
/// </summary>
internal sealed class UsageRecorder(IDbContextFactory<LatchkeyDbContext> store, TimeProvider time) : IDisposable
{
    /// <summary>How many distinct addresses are kept per token.</summary>
    public const int RecentSources = 5;

    private readonly ConcurrentDictionary<UsageKey, Counter> counts = new();
    private readonly ConcurrentDictionary<SourceKey, Counter> sources = new();
    private readonly SemaphoreSlim flushing = new(1, 1);

    public void Record(string tokenId, Door door, DateTimeOffset at, IPAddress? address)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        Interlocked.Increment(ref counts.GetOrAdd(new UsageKey(tokenId, day, door), static _ => new Counter()).Value);
        if (address is not null)
        {
            sources.GetOrAdd(new SourceKey(tokenId, address), static _ => new Counter()).RaiseTo(at.UtcTicks);
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Taken out of memory before the write and put back if it fails: a count is never written twice or lost.
            var batch = new List<(UsageKey Key, long Count)>();
            foreach (var (key, counter) in counts)
            {
                if (Interlocked.Exchange(ref counter.Value, 0) is var n and > 0)
                {
                    batch.Add((key, n));
                }
            }

            var seen = sources.Select(s => (s.Key, At: Volatile.Read(ref s.Value.Value), Counter: s.Value)).Where(s => s.At > s.Counter.Written).ToList();
            if (batch.Count == 0 && seen.Count == 0)
            {
                return;
            }

            try
            {
                await WriteAsync(batch, seen, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                foreach (var (key, n) in batch)
                {
                    Interlocked.Add(ref counts.GetOrAdd(key, static _ => new Counter()).Value, n);
                }

                throw;
            }

            foreach (var (_, at, counter) in seen)
            {
                counter.Written = at;
            }

            Forget(time.GetUtcNow());
        }
        finally
        {
            flushing.Release();
        }
    }

    private async Task WriteAsync(List<(UsageKey Key, long Count)> batch, List<(SourceKey Key, long At, Counter Counter)> seen, CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                // One order on every replica, so that two batches never wait for each other's rows in a circle.
                foreach (var (key, n) in batch.OrderBy(b => b.Key.TokenId, StringComparer.Ordinal).ThenBy(b => b.Key.Day).ThenBy(b => b.Key.Door))
                {
                    var door = key.Door.Name();
                    await db.Database.ExecuteSqlAsync($"""
                        INSERT INTO "TokenUsageDays" ("TokenId", "Day", "Door", "Count") VALUES ({key.TokenId}, {key.Day}, {door}, {n})
                        ON CONFLICT ("TokenId", "Day", "Door") DO UPDATE SET "Count" = "TokenUsageDays"."Count" + excluded."Count"
                        """, cancellationToken).ConfigureAwait(false);
                }

                // SQLite keeps times as UTC ticks (see LatchkeyDbContext); raw SQL must pass what the column holds.
                var ticks = db.Database.ProviderName == LatchkeyDbContext.SqliteProvider;
                foreach (var (key, at, _) in seen.OrderBy(s => s.Key.TokenId, StringComparer.Ordinal).ThenBy(s => s.Key.Address.ToString(), StringComparer.Ordinal))
                {
                    var address = key.Address.ToString();
                    object lastSeen = ticks ? at : new DateTimeOffset(at, TimeSpan.Zero);
                    await db.Database.ExecuteSqlAsync($"""
                        INSERT INTO "TokenSources" ("TokenId", "Address", "LastSeenAt") VALUES ({key.TokenId}, {address}, {lastSeen})
                        ON CONFLICT ("TokenId", "Address") DO UPDATE SET "LastSeenAt" = excluded."LastSeenAt"
                        WHERE "TokenSources"."LastSeenAt" < excluded."LastSeenAt"
                        """, cancellationToken).ConfigureAwait(false);
                }

                foreach (var tokenId in seen.Select(s => s.Key.TokenId).Distinct().Order(StringComparer.Ordinal))
                {
                    await db.Database.ExecuteSqlAsync($"""
                        DELETE FROM "TokenSources" WHERE "TokenId" = {tokenId} AND "Address" NOT IN
                            (SELECT "Address" FROM "TokenSources" WHERE "TokenId" = {tokenId} ORDER BY "LastSeenAt" DESC LIMIT {RecentSources})
                        """, cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Drops what no use will touch again: counters of days before yesterday (already written, and
    /// no verification still runs on a date that old), and addresses written and unseen for a day.
    /// </summary>
    private void Forget(DateTimeOffset now)
    {
        var before = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-1);
        foreach (var (key, counter) in counts)
        {
            if (key.Day < before && Volatile.Read(ref counter.Value) == 0)
            {
                counts.TryRemove(KeyValuePair.Create(key, counter));
            }
        }

        var stale = (now - TimeSpan.FromDays(1)).UtcTicks;
        foreach (var (key, counter) in sources)
        {
            if (counter.Written < stale && Volatile.Read(ref counter.Value) == counter.Written)
            {
                sources.TryRemove(KeyValuePair.Create(key, counter));
            }
        }
    }

    public void Dispose() => flushing.Dispose();

    private readonly record struct UsageKey(string TokenId, DateOnly Day, Door Door);

    private readonly record struct SourceKey(string TokenId, IPAddress Address);

    private sealed class Counter
    {
        public long Value;
        public long Written;

        public void RaiseTo(long ticks) => Monotonic.RaiseTo(ref Value, ticks);
    }
}
