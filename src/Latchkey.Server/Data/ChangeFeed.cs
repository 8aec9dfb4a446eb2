using System.Globalization;
using Latchkey.Server.ClusterAuth;
using Latchkey.Server.Iam;
using Latchkey.Server.Tokens;
using Latchkey.Server.Verification;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Latchkey.Server.Data;

/// <summary>
/// What changed access, told to every replica. Applied here at once, then (on PostgreSQL) sent
/// with NOTIFY so that the other replicas drop what they cached within moments, not at the end
/// of a cache lifetime. Payloads hold ids and digests, never a secret.
/// </summary>
internal sealed class ChangeFeed(
    VerificationCache tokens, PolicyCache policies, OrganizationCache organizations, WebhookCallers webhooks, IOptions<LatchkeyOptions> options, ILogger<ChangeFeed> logger)
{
    public const string Channel = "latchkey_changes";

    // The store's own pool (the same tuned connection string): a NOTIFY takes one of its connections for a moment.
    private readonly string? postgres = Store.IsPostgres(options.Value) && options.Value.Database.ConnectionString is { } connectionString
        ? Latchkey.Data.Postgres.PostgresStore.Tuned(connectionString) : null;

    public Task TokenRevokedAsync(TokenDigest digest) => PublishAsync($"token:{Convert.ToHexString(digest.ToArray())}");

    public Task UserChangedAsync(Guid userId) => PublishAsync($"user:{userId}");

    public Task PoliciesChangedAsync() => PublishAsync("policies");

    public Task ClusterChangedAsync(Guid clusterId) => PublishAsync($"cluster:{clusterId}");

    public Task OrganizationChangedAsync(Guid organizationId) => PublishAsync($"organization:{organizationId}");

    /// <summary>Applies a change to this replica's caches (for changes made here and those heard from others).</summary>
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

    private async Task PublishAsync(string change)
    {
        Apply(change);
        if (postgres is null)
        {
            return;
        }

        try
        {
            await using var connection = new NpgsqlConnection(postgres);
            await connection.OpenAsync().ConfigureAwait(false);
            await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @change)", connection);
            notify.Parameters.AddWithValue("channel", Channel);
            notify.Parameters.AddWithValue("change", change);
            await notify.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            // The change is committed; other replicas catch up when their cache entries expire.
            Log.ChangeNotSent(logger, change, e);
        }
    }
}

/// <summary>LISTENs for other replicas' changes, reconnecting on its own (and forgetting every cached answer when it does).</summary>
internal sealed class ChangeListener(ChangeFeed feed, IOptions<LatchkeyOptions> options, ILogger<ChangeListener> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Store.IsPostgres(options.Value))
        {
            return;
        }

        var connectionString = new NpgsqlConnectionStringBuilder(options.Value.Database.ConnectionString) { Pooling = false, KeepAlive = 5 }.ToString();
        var interrupted = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                connection.Notification += (_, e) => feed.Apply(e.Payload);
                await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
                await using (var listen = new NpgsqlCommand($"LISTEN {ChangeFeed.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                if (interrupted)
                {
                    feed.ForgetEverything();
                    Log.ChangeFeedResumed(logger);
                    interrupted = false;
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
            catch (Exception e) when (e is NpgsqlException or System.IO.IOException or InvalidOperationException)
            {
                if (!interrupted)
                {
                    Log.ChangeFeedInterrupted(logger, e);
                    interrupted = true;
                }

                // Nothing heard while disconnected can be trusted to be complete.
                feed.ForgetEverything();
                await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(false);
            }
        }
    }
}
