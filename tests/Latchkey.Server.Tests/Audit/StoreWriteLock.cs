using System.Data.Common;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Audit;

/// <summary>
/// Another connection holding the store's write lock, as a long backup, a migration or a stuck
/// job would: <c>BEGIN IMMEDIATE</c> on SQLite, an EXCLUSIVE lock on the audit table on PostgreSQL
/// (reads go on, writes wait). Released when disposed.
/// </summary>
public sealed class StoreWriteLock : IAsyncDisposable
{
    private readonly DbConnection connection;

    private StoreWriteLock(DbConnection connection) => this.connection = connection;

    public static async Task<StoreWriteLock> TakeAsync(TestApp app)
    {
        DbConnection connection = TestApp.Provider == "postgres"
            ? new Npgsql.NpgsqlConnection(app.ConnectionString)
            : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(app.DataDir, "latchkey.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = TestApp.Provider == "postgres" ? "BEGIN; LOCK TABLE \"AuditEvents\" IN EXCLUSIVE MODE;" : "BEGIN IMMEDIATE;";
        await command.ExecuteNonQueryAsync();
        return new StoreWriteLock(connection);
    }

    public async ValueTask DisposeAsync()
    {
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "ROLLBACK;";
            await command.ExecuteNonQueryAsync();
        }

        await connection.DisposeAsync();
    }
}
