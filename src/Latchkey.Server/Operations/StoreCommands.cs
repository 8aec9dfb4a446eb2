using System.Security.Cryptography;
using Latchkey.Server.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Console;

namespace Latchkey.Server.Operations;

/// <summary>What backup and restore share: where the SQLite file is, how to copy it live, how to check one.</summary>
internal static class StoreCommands
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// The server's host with the command's configuration, built but never started. Its logs go to
    /// standard error: standard output is the command's own (an audit export writes JSON lines there).
    /// </summary>
    public static WebApplication CreateHost(IEnumerable<string> configuration) =>
        LatchkeyHost.Create([.. configuration], builder =>
        {
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        });

    /// <summary>What to do instead when the store is PostgreSQL; <paramref name="what"/> is "back it up" or "restore it".</summary>
    public static string PostgresAdvice(string what) => $"""
        The store is PostgreSQL: {what} with PostgreSQL's own tools, and keep the token keys with the dump.
          backup:  pg_dump --format=custom --file=latchkey.dump "<connection string's database>"
          restore: pg_restore --clean --if-exists --dbname=<database> latchkey.dump   (with every replica stopped)
        The token keys are not in the database: copy the key file (token-keys.json in the data folder) or the
        Latchkey:TokenKeys configuration along with the dump, or no token in it will verify. See the README.
        """;

    public static string DatabasePath(LatchkeyOptions settings) =>
        Path.GetFullPath(new SqliteConnectionStringBuilder(Store.ConnectionString(settings)).DataSource, settings.DataDir);

    /// <summary>A new empty folder only the owner can enter, inside <paramref name="parent"/> (same file system, so renames out of it are atomic).</summary>
    public static string CreatePrivateFolder(string parent, string prefix)
    {
        var path = Path.Combine(parent, prefix + RandomNumberGenerator.GetHexString(12, lowercase: true));
        EnsurePrivateFolder(path);
        return path;
    }

    public static void EnsurePrivateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, OwnerOnlyFolder);
        }
    }

    /// <summary>
    /// Copies the live database into <paramref name="target"/> as one self-contained file and returns
    /// its schema's last migration. SQLite's online backup copies every page inside one read
    /// transaction: a consistent snapshot, while the server goes on writing beside it (WAL).
    /// </summary>
    public static string Snapshot(string database, string target)
    {
        using (var source = Open(database, SqliteOpenMode.ReadWrite))
        using (var copy = Open(target, SqliteOpenMode.ReadWriteCreate))
        {
            source.BackupDatabase(copy);
            Execute(copy, "PRAGMA journal_mode=DELETE;");
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return Check(target);
    }

    /// <summary>Checks that a file is a sound Latchkey database and returns its last migration, or says why not.</summary>
    public static string Check(string path)
    {
        try
        {
            using var connection = Open(path, SqliteOpenMode.ReadOnly);
            if (Execute(connection, "PRAGMA quick_check;") is not "ok")
            {
                throw new BackupException("the database in it is damaged (SQLite's quick_check failed).");
            }

            return Execute(connection, """SELECT "MigrationId" FROM "__EFMigrationsHistory" ORDER BY "MigrationId" DESC LIMIT 1;""")
                ?? throw new BackupException("the database in it has no schema.");
        }
        catch (SqliteException e)
        {
            throw new BackupException($"the database in it is not a Latchkey database ({e.Message}).", e);
        }
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static string? Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()?.ToString();
    }
}
