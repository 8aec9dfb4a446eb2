using System.Diagnostics;
using System.Security.Cryptography;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Faults;

/// <summary>
/// systemctl restart, or a pod deleted while it starts: a start stopped at any point, inside the
/// migrations included, is followed by a start that becomes ready. A fresh store every few rounds
/// keeps migrations pending, where EF holds its migration lock.
/// </summary>
public class StartupKillTests
{
    private static readonly int Rounds = int.TryParse(Environment.GetEnvironmentVariable("LATCHKEY_TEST_STARTUP_ROUNDS"), out var rounds) ? rounds : 6;

    [Fact]
    public async Task Every_start_after_a_SIGKILL_during_start_up_becomes_ready()
    {
        await RunRoundsAsync(async (starting, _) =>
        {
            await starting.KillAsync();
            return "killed";
        });
    }

    [Fact]
    public async Task A_SIGTERM_during_start_up_exits_0_and_the_next_start_becomes_ready()
    {
        await RunRoundsAsync(async (starting, round) =>
        {
            var exit = await starting.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(exit == 0, $"round {round}: a SIGTERM during start-up ended the process with {exit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no exit within 30 s"}");
            return "terminated, exit 0";
        });
    }

#if !POSTGRES
    [Fact]
    public async Task A_migration_lock_left_by_a_killed_start_is_cleared_on_a_new_store_and_a_migrated_one()
    {
        var dataDir = Directory.CreateTempSubdirectory("latchkey-stale-lock-").FullName;
        try
        {
            // What a start killed inside its first migrations leaves: EF's lock row and nothing migrated.
            PlantMigrationLock(Path.Combine(dataDir, "latchkey.db"));
            await using (var fresh = await ServerProcess.StartAsync(dataDir, new Dictionary<string, string>()))
            {
                Assert.False(fresh.HasExited);
            }

            // The same row in a store that is already up to date.
            PlantMigrationLock(Path.Combine(dataDir, "latchkey.db"));
            await using var migrated = await ServerProcess.StartAsync(dataDir, new Dictionary<string, string>());
            Assert.False(migrated.HasExited);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static void PlantMigrationLock(string database)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS "__EFMigrationsLock" ("Id" INTEGER NOT NULL CONSTRAINT "PK___EFMigrationsLock" PRIMARY KEY, "Timestamp" TEXT NOT NULL);
            INSERT OR REPLACE INTO "__EFMigrationsLock" ("Id", "Timestamp") VALUES (1, '2026-12-07 12:00:00+00:00');
            """;
        command.ExecuteNonQuery();
    }
#endif

    private static async Task RunRoundsAsync(Func<ServerProcess, int, Task<string>> stop)
    {
        var output = TestContext.Current.TestOutputHelper;
        var dataDir = Directory.CreateTempSubdirectory("latchkey-startup-").FullName;
        var settings = new Dictionary<string, string>();
        PostgresServer? postgres = null;
        var databases = new List<string>();
        try
        {
            // How long a start on a new store takes here: the stops land anywhere inside it.
            var clock = Stopwatch.StartNew();
            await using (await ServerProcess.StartAsync(await FreshStoreAsync(), settings))
            {
            }

            var startUp = clock.Elapsed;
            output?.WriteLine($"a start on a new store took {startUp.TotalMilliseconds:0} ms");
            for (var round = 0; round < Rounds; round++)
            {
                var folder = round % 2 == 0 ? await FreshStoreAsync() : dataDir;
                var delay = TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32((int)(startUp.TotalMilliseconds / 4), (int)startUp.TotalMilliseconds + 1));
                string what;
                await using (var starting = ServerProcess.Launch(folder, settings))
                {
                    await Task.Delay(delay, TestContext.Current.CancellationToken);
                    what = await stop(starting, round);
                }

                clock.Restart();
                await using (await ServerProcess.StartAsync(folder, settings))
                {
                    output?.WriteLine($"round {round}: {what} {delay.TotalMilliseconds:0} ms into start-up ({(round % 2 == 0 ? "new store" : "existing store")}); the next start was ready after {clock.Elapsed.TotalMilliseconds:0} ms");
                }
            }
        }
        finally
        {
            foreach (var database in databases)
            {
                await postgres!.DropDatabaseAsync(database);
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }

        async Task<string> FreshStoreAsync()
        {
            if (TestApp.Provider != "postgres")
            {
                // Files in a folder of its own under the round's folder: migrations pending again.
                return Directory.CreateDirectory(Path.Combine(dataDir, $"store-{Guid.NewGuid():N}")).FullName;
            }

            postgres ??= await PostgresServer.GetAsync();
            var database = await postgres.CreateDatabaseAsync();
            databases.Add(database);
            settings["Latchkey:Database:Provider"] = "postgres";
            settings["Latchkey:Database:ConnectionString"] = postgres.ConnectionString(database);
            return dataDir;
        }
    }
}
