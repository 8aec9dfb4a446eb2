using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Data;
using Latchkey.Server.Observability;
using Latchkey.Server.Tokens;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Lifecycle;

/// <summary>How many rows one retention run deleted, by kind.</summary>
internal sealed record RetentionCounts(int Tokens, int Usage, int Audit)
{
    public static RetentionCounts None { get; } = new(0, 0, 0);

    public int Total => Tokens + Usage + Audit;
}

/// <summary>
/// Deletes what <see cref="RetentionOptions"/> no longer keeps: tokens whose end lies further back
/// than <c>Tokens</c>, with the tokens made from them and their usage, addresses and owner notices;
/// usage older than <c>Usage</c>; audit events older than <c>Audit</c>, when set. A deleted token
/// is simply not in the store, so every door answers it as a token that never existed.
/// <see cref="BatchSize"/> rows per statement with a pause between batches, so that the doors'
/// writes never wait long behind it. On PostgreSQL one replica deletes at a time (each batch takes
/// a transaction-scoped advisory lock; a replica that finds it taken ends its run there), and every
/// delete is idempotent besides, so two runs that interleave between batches are harmless.
/// </summary>
internal sealed class Retention(
    IDbContextFactory<LatchkeyDbContext> store, ChangeFeed changes, AuditLog audit, LatchkeyMetrics metrics, IOptions<LatchkeyOptions> options,
    TimeProvider time, ILogger<Retention> logger)
{
    public const int BatchSize = 500;
    public const string Action = "retention.prune";

    /// <summary>The PostgreSQL advisory lock a batch holds while it deletes.</summary>
    public const long LockKey = 0x4c6b_5265_7465_6e74; // "LkRetent"

    /// <summary>Between batches. Wall-clock time on purpose: it hands the store to other writers, and a test's frozen clock must not hold it.</summary>
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(50);

    public async Task<RetentionCounts> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.Value.Retention;
        var now = time.GetUtcNow();
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var (tokens, usage, yielded) = await PruneTokensAsync(db, now - settings.Tokens, cancellationToken).ConfigureAwait(false);
            if (!yielded)
            {
                (var older, yielded) = await PruneUsageAsync(db, now - settings.Usage, cancellationToken).ConfigureAwait(false);
                usage += older;
            }

            var audited = 0;
            if (!yielded && settings.Audit is { } keep)
            {
                (audited, _) = await PruneAuditAsync(db, now - keep, cancellationToken).ConfigureAwait(false);
            }

            var counts = new RetentionCounts(tokens, usage, audited);
            await RecordAsync(db, counts, settings, cancellationToken).ConfigureAwait(false);
            return counts;
        }
    }

    /// <summary>
    /// Begins one batch's transaction. On PostgreSQL only while no other replica is inside a batch
    /// of its own: a transaction-scoped advisory lock, which ends with the transaction whatever
    /// happens (a killed replica, a pooler that hands each transaction to another connection).
    /// Null: another replica is pruning, and this run leaves the rest to it.
    /// </summary>
    private static async Task<IDbContextTransaction?> BeginBatchAsync(LatchkeyDbContext db, CancellationToken cancellationToken)
    {
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (db.Database.ProviderName == LatchkeyDbContext.SqliteProvider
            || await db.Database.SqlQueryRaw<bool>($"SELECT pg_try_advisory_xact_lock({LockKey}) AS \"Value\"").SingleAsync(cancellationToken).ConfigureAwait(false))
        {
            return transaction;
        }

        await transaction.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    private async Task<(int Tokens, int Usage, bool Yielded)> PruneTokensAsync(LatchkeyDbContext db, DateTimeOffset endedBy, CancellationToken cancellationToken)
    {
        var ended = LiveTokens.EndedBy(endedBy);
        var kept = LiveTokens.NotEndedBy(endedBy);
        var (tokens, usage) = (0, 0);
        while (true)
        {
            // Read outside the batch's transaction, so that on SQLite the scan never holds the write gate.
            // Tokens made from one (which never outlast it) are deleted with it, in the same batch.
            var batch = await db.AccessTokens.AsNoTracking()
                .Where(ended)
                // A rotated token that is kept names its successor: the successor stays as long as it does.
                .Where(t => !db.AccessTokens.Where(kept).Any(p => p.ReplacedByTokenId == t.Id))
                .OrderBy(t => t.Id)
                .Select(t => t.Id)
                .Take(BatchSize)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                return (tokens, usage, false);
            }

            if (await DeleteTokensAsync(db, batch, cancellationToken).ConfigureAwait(false) is not { } done)
            {
                return (tokens, usage, true);
            }

            tokens += done.Tokens;
            usage += done.Usage;
            if (batch.Count < BatchSize)
            {
                return (tokens, usage, false);
            }

            await Task.Delay(Pause, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The batch, the tokens made from them, and every row that names them (usage, addresses,
    /// notices) in one transaction; then this replica's caches forget them (on PostgreSQL the
    /// delete is in the change log for the others). Null when another replica is pruning.
    /// </summary>
    private async Task<(int Tokens, int Usage)?> DeleteTokensAsync(LatchkeyDbContext db, List<string> batch, CancellationToken cancellationToken)
    {
        List<byte[]> digests;
        int tokens, usage;
        var transaction = await BeginBatchAsync(db, cancellationToken).ConfigureAwait(false);
        if (transaction is null)
        {
            return null;
        }

        await using (transaction.ConfigureAwait(false))
        {
            var doomed = await db.AccessTokens.AsNoTracking()
                .Where(t => batch.Contains(t.Id) || (t.ParentTokenId != null && batch.Contains(t.ParentTokenId)))
                .Select(t => new { t.Id, t.SecretDigest })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var ids = doomed.Select(t => t.Id).ToList();
            digests = [.. doomed.Select(t => t.SecretDigest)];
            usage = await db.TokenUsageDays.Where(u => ids.Contains(u.TokenId)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false)
                + await db.TokenSources.Where(s => ids.Contains(s.TokenId)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            await db.OwnerNotices.Where(n => n.TokenId != null && ids.Contains(n.TokenId)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            tokens = await db.AccessTokens.Where(t => ids.Contains(t.Id)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var digest in digests)
        {
            await changes.TokenRevokedAsync(TokenDigest.FromBytes(digest)).ConfigureAwait(false);
        }

        return (tokens, usage);
    }

    /// <summary>A day goes once any part of it is older than the period, as the usage report shows exactly that many days.</summary>
    private static async Task<(int Deleted, bool Yielded)> PruneUsageAsync(LatchkeyDbContext db, DateTimeOffset before, CancellationToken cancellationToken)
    {
        var firstKept = DateOnly.FromDateTime(before.UtcDateTime).AddDays(1);
        var (days, yielded) = await InBatchesAsync(db, () => db.TokenUsageDays.Where(u => u.Day < firstKept).OrderBy(u => u.Day).Take(BatchSize)
            .ExecuteDeleteAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
        if (yielded)
        {
            return (days, true);
        }

        var (sources, stopped) = await InBatchesAsync(db, () => db.TokenSources.Where(s => s.LastSeenAt < before).OrderBy(s => s.LastSeenAt).Take(BatchSize)
            .ExecuteDeleteAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
        return (days + sources, stopped);
    }

    /// <summary>Oldest first by id, which follows time: each batch reads from the start of the table and stops after one batch.</summary>
    private static Task<(int Deleted, bool Yielded)> PruneAuditAsync(LatchkeyDbContext db, DateTimeOffset before, CancellationToken cancellationToken) =>
        InBatchesAsync(db, () => db.AuditEvents.Where(e => e.Time < before).OrderBy(e => e.Id).Take(BatchSize).ExecuteDeleteAsync(cancellationToken), cancellationToken);

    /// <summary>Each batch in a transaction of its own, so that on SQLite it waits its turn at the write gate like every other writer.</summary>
    private static async Task<(int Deleted, bool Yielded)> InBatchesAsync(LatchkeyDbContext db, Func<Task<int>> deleteBatch, CancellationToken cancellationToken)
    {
        var total = 0;
        for (var deleted = BatchSize; deleted == BatchSize; total += deleted)
        {
            if (total > 0)
            {
                await Task.Delay(Pause, cancellationToken).ConfigureAwait(false);
            }

            var transaction = await BeginBatchAsync(db, cancellationToken).ConfigureAwait(false);
            if (transaction is null)
            {
                return (total, true);
            }

            await using (transaction.ConfigureAwait(false))
            {
                deleted = await deleteBatch().ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return (total, false);
    }

    private async Task RecordAsync(LatchkeyDbContext db, RetentionCounts counts, RetentionOptions settings, CancellationToken cancellationToken)
    {
        if (counts.Total == 0)
        {
            return;
        }

        metrics.Pruned(counts.Tokens, counts.Usage, counts.Audit);
        Log.RetentionPruned(logger, counts.Tokens, counts.Usage, counts.Audit);
        var auditKept = settings.Audit is { } keep ? $"{keep.TotalDays:0.##} days" : "for ever";
        db.AuditEvents.Add(audit.Event(Action, "success", organizationId: null, detail:
            $"tokens={counts.Tokens} usage={counts.Usage} audit={counts.Audit}; kept: tokens {settings.Tokens.TotalDays:0.##} days after their end, usage {settings.Usage.TotalDays:0.##} days, audit events {auditKept}"));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }
}
