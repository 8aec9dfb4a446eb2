using System.Diagnostics;
using Npgsql;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL 15 from the installed binaries: a temp data folder, a free loopback
/// port, started once for the test run and removed when the run ends. Each test gets its own
/// database in it.
/// </summary>
public sealed class PostgresServer
{
    public const string BinDir = "/usr/lib/postgresql/15/bin";

    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);

    private readonly string dataDir;

    private PostgresServer(string dataDir, int port)
    {
        this.dataDir = dataDir;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=20";

    /// <summary>The run's server, started on first use (skipped, or failed under LATCHKEY_TEST_REQUIRE_ALL, without the binaries).</summary>
    public static Task<PostgresServer> GetAsync()
    {
        Requires.File(Path.Combine(BinDir, "initdb"), "PostgreSQL 15 (apt-get install postgresql-15)");
        return Shared.Value;
    }

    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync($"CREATE DATABASE {name}");
        return name;
    }

    public async Task DropDatabaseAsync(string name) => await ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");

    /// <summary>An outage of one database: no new connections, and the open ones cut.</summary>
    public async Task TakeAwayAsync(string name)
    {
        await ExecuteAsync($"ALTER DATABASE {name} ALLOW_CONNECTIONS false");
        await ExecuteAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
        NpgsqlConnection.ClearAllPools();
    }

    public async Task BringBackAsync(string name) => await ExecuteAsync($"ALTER DATABASE {name} ALLOW_CONNECTIONS true");

    /// <summary>Restarts the whole server (every connection to it is cut). Only for tests that run alone.</summary>
    public async Task RestartAsync()
    {
        var asRoot = Environment.UserName == "root";
        // -l: the new server's output goes to the log, not to a pipe of ours that would never close.
        await RunCheckedAsync(asRoot, Path.Combine(BinDir, "pg_ctl"), ["-D", dataDir, "-l", Path.Combine(dataDir, "server.log"), "-m", "fast", "-w", "restart"]);
    }

    /// <summary>Everything the database holds, as pg_dump writes it.</summary>
    public async Task<string> DumpAsync(string name)
    {
        var (code, output) = await RunAsync(Path.Combine(BinDir, "pg_dump"), ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", name]);
        Assert.True(code == 0, output);
        return output;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var dataDir = Directory.CreateTempSubdirectory("latchkey-pg-").FullName;
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            // initdb refuses to run as root: the cluster belongs to the postgres user.
            var (chown, chownOutput) = await RunAsync("chown", ["-R", "postgres:postgres", dataDir]);
            Assert.True(chown == 0, chownOutput);
        }

        var port = FreePort.Next();
        await RunCheckedAsync(asRoot, Path.Combine(BinDir, "initdb"), ["-D", dataDir, "-U", "postgres", "-A", "trust", "--locale=C", "-E", "UTF8"]);
        await RunCheckedAsync(asRoot, Path.Combine(BinDir, "pg_ctl"), ["-D", dataDir, "-l", Path.Combine(dataDir, "server.log"), "-w", "start", "-o",
            $"-p {port} -k {dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400"]);

        var server = new PostgresServer(dataDir, port);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop(asRoot);
        return server;
    }

    private void Stop(bool asRoot)
    {
        var stop = asRoot
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", Path.Combine(BinDir, "pg_ctl"), "-D", dataDir, "-m", "immediate", "stop"])
            : new ProcessStartInfo(Path.Combine(BinDir, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "stop"]);
        stop.RedirectStandardOutput = true;
        stop.RedirectStandardError = true;
        using (var process = Process.Start(stop))
        {
            process?.WaitForExit(30_000);
        }

        Directory.Delete(dataDir, recursive: true);
    }

    private static async Task RunCheckedAsync(bool asRoot, string program, string[] arguments)
    {
        var (code, output) = asRoot
            ? await RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments])
            : await RunAsync(program, arguments);
        Assert.True(code == 0, $"{Path.GetFileName(program)} failed: {output}");
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await errors);
    }
}
