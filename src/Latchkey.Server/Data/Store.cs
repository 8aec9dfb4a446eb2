using Latchkey.Data;
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

    /// <summary>The DbContext, pooled, for endpoints (scoped) and for background work (factory).</summary>
    public static IServiceCollection AddStore(this IServiceCollection services)
    {
        services.AddPooledDbContextFactory<LatchkeyDbContext>((sp, options) =>
        {
            var settings = sp.GetRequiredService<IOptions<LatchkeyOptions>>().Value;
            if (!string.Equals(settings.Database.Provider, "sqlite", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"Latchkey:Database:Provider '{settings.Database.Provider}' is not supported; use 'sqlite'.");
            }

            options.UseLatchkeySqlite(ConnectionString(settings));
            options.AddInterceptors(new SqlitePragmas());
            options.AddInterceptors(sp.GetServices<IInterceptor>());
        });
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<LatchkeyDbContext>>().CreateDbContext());
        return services;
    }

    public static string ConnectionString(LatchkeyOptions settings) =>
        settings.Database.ConnectionString ?? new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(settings.DataDir, DatabaseFileName),
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

    /// <summary>
    /// WAL lets readers run beside the writer; synchronous=NORMAL in WAL mode loses nothing when the
    /// process dies (only an OS crash or power loss can drop the last commits).
    /// </summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        private static void Apply(DbConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
            command.ExecuteNonQuery();
        }
    }
}
