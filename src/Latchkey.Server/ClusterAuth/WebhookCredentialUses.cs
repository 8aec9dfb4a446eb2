using System.Collections.Concurrent;
using Latchkey.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.ClusterAuth;

/// <summary>
/// When each webhook credential was last used, gathered in memory and written in one transaction
/// every <see cref="LatchkeyOptions.WriteBehindInterval"/> and at shutdown (as
/// <see cref="Verification.LastUsedRecorder"/> does for tokens): a review never waits for a write,
/// and a busy API server costs one write per interval, not one per review. Reads overlay what is pending.
/// </summary>
internal sealed class WebhookCredentialUses(IDbContextFactory<LatchkeyDbContext> store, IOptions<LatchkeyOptions> options, ILogger<WebhookCredentialUses> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> pending = new();
    private readonly SemaphoreSlim flushing = new(1, 1);

    public void Record(Guid credentialId, DateTimeOffset at) => pending.AddOrUpdate(credentialId, at, (_, old) => old >= at ? old : at);

    public DateTimeOffset? Pending(Guid credentialId) => pending.TryGetValue(credentialId, out var at) ? at : null;

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
                    foreach (var (id, at) in batch)
                    {
                        // Never move a time backwards (another replica may have written a later one).
                        await db.ClusterCredentials.Where(c => c.Id == id && (c.LastUsedAt == null || c.LastUsedAt < at))
                            .ExecuteUpdateAsync(s => s.SetProperty(c => c.LastUsedAt, at), cancellationToken).ConfigureAwait(false);
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.WriteBehindInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await TryFlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: StopAsync writes what is left.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await TryFlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        flushing.Dispose();
        base.Dispose();
    }

    private async Task TryFlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.WebhookCredentialUsesFailed(logger, e);
        }
    }
}
