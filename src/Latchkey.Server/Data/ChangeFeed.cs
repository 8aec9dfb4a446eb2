using System.Diagnostics;
using System.Globalization;
using Latchkey.Server.ClusterAuth;
using Latchkey.Server.Iam;
using Latchkey.Server.Tokens;
using Latchkey.Server.Verification;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Latchkey.Server.Data;

/// <summary>
/// What changed access, applied to this replica's caches. The store itself records every such
/// change for the other replicas: on PostgreSQL, triggers write a row to the change log in the
/// same transaction as the change (see the <c>ChangeLog</c> migration), and <see cref="ChangeReader"/>
/// reads the log on every replica. The calls here make the change take effect on this replica at
/// once, before the log is read. Payloads hold ids and digests, never a secret.
/// </summary>
internal sealed class ChangeFeed(
    VerificationCache tokens, PolicyCache policies, OrganizationCache organizations, WebhookCallers webhooks)
{
    public const string Channel = "latchkey_changes";

    public Task TokenRevokedAsync(TokenDigest digest) => PublishAsync($"token:{Convert.ToHexString(digest.ToArray())}");

    public Task UserChangedAsync(Guid userId) => PublishAsync($"user:{userId}");

    public Task PoliciesChangedAsync() => PublishAsync("policies");

    public Task ClusterChangedAsync(Guid clusterId) => PublishAsync($"cluster:{clusterId}");

    public Task OrganizationChangedAsync(Guid organizationId) => PublishAsync($"organization:{organizationId}");

    /// <summary>Applies a change to this replica's caches (for changes made here and those read from the log).</summary>
    public void Apply(string change)
    {
        var (kind, value) = change.IndexOf(':', StringComparison.Ordinal) is var i and > 0 ? (change[..i], change[(i + 1)..]) : (change, "");
        switch (kind)
        {
            case "token" when value.Length == TokenDigest.Size * 2:
                tokens.Evict(TokenDigest.FromBytes(Convert.FromHexString(value)));
                break;
            case "user" when Guid.TryParse(value, CultureInfo.InvariantCulture, out var userId):
                tokens.EvictUser(userId);
                policies.Invalidate();
                break;
            case "policies":
                policies.Invalidate();
                break;
            case "organization" when Guid.TryParse(value, CultureInfo.InvariantCulture, out var organizationId):
                organizations.Forget(organizationId);
                break;
            case "cluster" when Guid.TryParse(value, CultureInfo.InvariantCulture, out var clusterId):
                webhooks.Forget(clusterId);
                policies.Invalidate();
                break;
            default:
                ForgetEverything();
                break;
        }
    }

    /// <summary>After the feed was interrupted, anything may have been missed.</summary>
    public void ForgetEverything()
    {
        tokens.Valid.EvictWhere(_ => true);
        policies.Invalidate();
        organizations.ForgetAll();
        webhooks.ForgetAll();
    }

    private Task PublishAsync(string change)
    {
        Apply(change);
        return Task.CompletedTask;
    }
}

/// <summary>
/// On PostgreSQL, reads the change log after the last row it applied: when NOTIFY wakes it (sent
/// by the store on commit) and on a heartbeat, so a lost notification costs at most one beat. Each
/// read that completes confirms the replica current (<see cref="FeedCurrency"/>); a read that
/// cannot complete confirms nothing, and once the bound passes the caches stop answering. After an
/// interruption it applies what it missed instead of dropping every cache. Only rows of
/// transactions older than every one still running are taken, in the order of their transaction
/// and number, so a transaction that commits late cannot leave a row behind the position read.
/// </summary>
internal sealed class ChangeReader(
    ChangeFeed feed, FeedCurrency currency, IOptions<LatchkeyOptions> options, ILogger<ChangeReader> logger) : BackgroundService
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Retention = TimeSpan.FromHours(1);
    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(5);
    private const int BatchSize = 1000;

    private static readonly string ReadSql = $"""
        SELECT "Tx"::text, "Id", "Change" FROM "AccessChanges"
        WHERE ("Tx", "Id") > ($1::xid8, $2) AND "Tx" < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY "Tx", "Id" LIMIT {BatchSize}
        """;

    private readonly SemaphoreSlim wake = new(0, 1);
    private (string Tx, long Id)? position;
    private bool interrupted;
    private long pruned = Stopwatch.GetTimestamp();

    private bool Enabled => Store.IsPostgres(options.Value) && options.Value.Database.ConnectionString is not null;

    // A pool of its own, with short timeouts: a stalled database must fail a read, not hold it.
    private string Reads => new NpgsqlConnectionStringBuilder(Latchkey.Data.Postgres.PostgresStore.Tuned(options.Value.Database.ConnectionString!))
    {
        ApplicationName = "latchkey-change-reader",
        Timeout = 2,
        CommandTimeout = 2,
        CancellationTimeout = 500,
        MaxPoolSize = 2,
    }.ToString();

    /// <summary>Reads once before the replica serves, so that it starts current (its caches are empty anyway).</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Enabled)
        {
            await ReadOnceAsync(Reads, cancellationToken).ConfigureAwait(false);
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        var reads = Reads;
        var listening = ListenAsync(options.Value.Database.ConnectionString!, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await wake.WaitAsync(interrupted ? RetryDelay : Heartbeat, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (!await ReadOnceAsync(reads, stoppingToken).ConfigureAwait(false))
            {
                break;
            }
        }

        await listening.ConfigureAwait(false);
    }

    /// <summary>False only when the service is stopping.</summary>
    private async Task<bool> ReadOnceAsync(string reads, CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            budget.CancelAfter(TimeSpan.FromSeconds(3));
            await using var connection = new NpgsqlConnection(reads);
            await connection.OpenAsync(budget.Token).ConfigureAwait(false);
            if (position is null)
            {
                // Nothing is cached before the first read: start at the oldest transaction still running.
                await using var start = new NpgsqlCommand("SELECT pg_snapshot_xmin(pg_current_snapshot())::text", connection);
                position = ((string)(await start.ExecuteScalarAsync(budget.Token).ConfigureAwait(false))!, 0);
            }
            else if (currency.Lag > Retention / 2)
            {
                // Rows this replica never read may have been pruned: nothing cached can be trusted.
                feed.ForgetEverything();
            }

            position = await ReadAsync(connection, position.Value, budget.Token).ConfigureAwait(false);
            currency.Confirm(started);
            if (interrupted)
            {
                Log.ChangeFeedResumed(logger);
                interrupted = false;
            }

            if (Stopwatch.GetElapsedTime(pruned) > PruneEvery)
            {
                pruned = Stopwatch.GetTimestamp();
                await using var prune = new NpgsqlCommand("""DELETE FROM "AccessChanges" WHERE "At" < now() - $1""", connection);
                prune.Parameters.Add(new NpgsqlParameter { Value = Retention });
                await prune.ExecuteNonQueryAsync(budget.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e) when (e is NpgsqlException or System.IO.IOException or InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            if (!interrupted)
            {
                Log.ChangeFeedInterrupted(logger, e);
                interrupted = true;
            }
        }

        return true;
    }

    private async Task<(string Tx, long Id)> ReadAsync(NpgsqlConnection connection, (string Tx, long Id) position, CancellationToken cancellationToken)
    {
        while (true)
        {
            await using var read = new NpgsqlCommand(ReadSql, connection);
            read.Parameters.Add(new NpgsqlParameter { Value = position.Tx });
            read.Parameters.Add(new NpgsqlParameter { Value = position.Id });
            var count = 0;
            await using (var rows = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    position = (rows.GetString(0), rows.GetInt64(1));
                    feed.Apply(rows.GetString(2));
                    count++;
                }
            }

            if (count < BatchSize)
            {
                return position;
            }
        }
    }

    /// <summary>LISTEN only to be woken early; its loss costs no change, only up to a heartbeat of delay.</summary>
    private async Task ListenAsync(string connectionString, CancellationToken stoppingToken)
    {
        var listen = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 5, ApplicationName = "latchkey-change-listener" }.ToString();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(listen);
                connection.Notification += (_, _) => Wake();
                await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
                await using (var command = new NpgsqlCommand($"LISTEN {ChangeFeed.Channel}", connection))
                {
                    await command.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or System.IO.IOException or InvalidOperationException or TimeoutException)
            {
                try
                {
                    await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Wake()
    {
        if (wake.CurrentCount == 0)
        {
            try
            {
                wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Woken twice at once: one read serves both.
            }
        }
    }

    public override void Dispose()
    {
        wake.Dispose();
        base.Dispose();
    }
}
