using System.Collections.Concurrent;
using System.Net;
using Latchkey.Data;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Verification;

/// <summary>
/// Gathers last-used times in memory and writes them in batches, so that verification never
/// waits for a write. Reads overlay what is pending, so the API shows uses at once.
/// </summary>
internal sealed class LastUsedRecorder(IDbContextFactory<LatchkeyDbContext> store) : IDisposable
{
    private readonly ConcurrentDictionary<string, Usage> pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim flushing = new(1, 1);

    public void Record(string tokenId, DateTimeOffset at, IPAddress? from)
    {
        var usage = new Usage(at, from);
        pending.AddOrUpdate(tokenId, usage, (_, old) => old.At >= at ? old : usage);
    }

    public Usage? Pending(string tokenId) => pending.TryGetValue(tokenId, out var usage) ? usage : null;

    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (pending.IsEmpty)
        {
            return;
        }

        await flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var batch = pending.ToArray();
            var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using (db.ConfigureAwait(false))
            {
                var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    foreach (var (tokenId, usage) in batch)
                    {
                        // Never move a timestamp backwards (another writer may have a newer one).
                        await db.AccessTokens
                            .Where(t => t.Id == tokenId && (t.LastUsedAt == null || t.LastUsedAt < usage.At))
                            .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, usage.At).SetProperty(t => t.LastUsedFrom, usage.From), cancellationToken)
                            .ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            foreach (var item in batch)
            {
                pending.TryRemove(item);
            }
        }
        finally
        {
            flushing.Release();
        }
    }

    public void Dispose() => flushing.Dispose();

    /// <summary>The address is kept as it came and formatted only when it is read or written.</summary>
    internal sealed record Usage(DateTimeOffset At, IPAddress? Address)
    {
        public string? From => Address?.ToString();
    }
}
