using Latchkey.Data;
using Latchkey.Data.Postgres;
using Latchkey.Data.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using System.Data.Common;

namespace Latchkey.Server.Data;

internal static class Store
{
    public const string DatabaseFileName = "latchkey.db";

    /// <summary>How long a SQLite statement waits inside SQLite for a lock another connection holds, on every connection.</summary>
    public const string SqliteBusyTimeout = "PRAGMA busy_timeout=5000;";

    /// <summary>The DbContext, pooled, for endpoints (scoped) and for background work (factory).</summary>
    public static IServiceCollection AddStore(this IServiceCollection services)
    {
        // Held while the server runs, so that a restore never replaces the files under it.
        services.AddSingleton(sp => Operations.DataDirLock.Shared(sp.GetRequiredService<IOptions<LatchkeyOptions>>().Value.DataDir));
        services.AddSingleton(sp => new SqliteWriteGate(TimeSpan.FromSeconds(
            new SqliteConnectionStringBuilder(ConnectionString(sp.GetRequiredService<IOptions<LatchkeyOptions>>().Value)).DefaultTimeout)));
        services.AddPooledDbContextFactory<LatchkeyDbContext>((sp, options) =>
        {
            var settings = sp.GetRequiredService<IOptions<LatchkeyOptions>>().Value;
            if (IsPostgres(settings))
            {
                options.UseLatchkeyPostgres(settings.Database.ConnectionString
                    ?? throw new InvalidOperationException("Latchkey:Database:ConnectionString is required with the postgres provider."));
            }
            else
            {
                options.UseLatchkeySqlite(ConnectionString(settings));
                options.AddInterceptors(new SqlitePragmas(), sp.GetRequiredService<SqliteWriteGate>());
            }

            options.AddInterceptors(sp.GetServices<IInterceptor>());
        });
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<LatchkeyDbContext>>().CreateDbContext());
        return services;
    }

    /// <summary>
    /// PostgreSQL gave up a serializable transaction because a concurrent one read or wrote the same
    /// rows (or the two deadlocked): running the whole transaction again is the documented answer.
    /// SQLite never says so: its writers take turns at <see cref="SqliteWriteGate"/>.
    /// </summary>
    public static bool IsSerializationFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.SerializationFailure or Npgsql.PostgresErrorCodes.DeadlockDetected })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>sqlite (the default: one process, a file in the data folder) or postgres (several replicas).</summary>
    public static bool IsPostgres(LatchkeyOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Database.Provider.ToLowerInvariant() switch
        {
            "sqlite" => false,
            "postgres" or "postgresql" => true,
            var other => throw new InvalidOperationException($"Latchkey:Database:Provider '{other}' is not supported; use 'sqlite' or 'postgres'."),
        };
    }

    /// <summary>
    /// The database file is opened read-write but never created at run time: a file that vanished
    /// is an outage (503), not a reason to start over on an empty store. <see cref="PrepareFile"/>
    /// makes it on first start.
    /// </summary>
    public static string ConnectionString(LatchkeyOptions settings) =>
        settings.Database.ConnectionString ?? new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(settings.DataDir, DatabaseFileName),
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

    /// <summary>Creates the database file on first start and puts it in WAL mode (a setting the file keeps).</summary>
    public static void PrepareFile(LatchkeyOptions settings)
    {
        if (IsPostgres(settings))
        {
            return;
        }

        var builder = new SqliteConnectionStringBuilder(ConnectionString(settings));
        if (builder.Mode == SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:")
        {
            return;
        }

        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        builder.Pooling = false;
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        // WAL lets readers run beside the writer.
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// synchronous=NORMAL in WAL mode loses nothing when the process dies (only an OS crash or power
    /// loss can drop the last commits), and spares an fsync per commit. busy_timeout lets the few
    /// writes outside a transaction (and so outside <see cref="SqliteWriteGate"/>) wait inside SQLite
    /// in short steps rather than in Microsoft.Data.Sqlite's 150 ms sleeps.
    /// </summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        // Pooled opens hand out the same native connection again: set it up once, not per query.
        private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> prepared = [];

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        private void Apply(DbConnection connection)
        {
            if (connection is not SqliteConnection { Handle: { } handle } || !prepared.TryAdd(handle, handle))
            {
                return;
            }

            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous=NORMAL; " + SqliteBusyTimeout;
            command.ExecuteNonQuery();
        }
    }
}
