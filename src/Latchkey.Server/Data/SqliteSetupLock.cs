namespace Latchkey.Server.Data;

/// <summary>
/// An exclusive advisory lock on <c>latchkey.db.setup-lock</c> beside the database, held for the
/// whole of start-up's set-up (migrations and the first organization). While one process holds it
/// no other can be migrating that file, so a row in <c>__EFMigrationsLock</c> is provably left by
/// a process that died: EF would otherwise wait for it forever. The operating system drops the
/// lock when the process ends, however it ends (the same flock as <see cref="Operations.DataDirLock"/>).
/// </summary>
internal sealed class SqliteSetupLock : IDisposable
{
    public const string Suffix = ".setup-lock";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private readonly FileStream stream;

    private SqliteSetupLock(FileStream stream) => this.stream = stream;

    /// <summary>Waits (bounded) while another process sets the same database up.</summary>
    public static async Task<SqliteSetupLock> AcquireAsync(string databasePath, TimeSpan patience, CancellationToken cancellationToken)
    {
        var path = databasePath + Suffix;
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // FileShare.None takes flock(LOCK_EX): one process at a time.
                return new SqliteSetupLock(new FileStream(path, options));
            }
            catch (IOException) when (File.Exists(path) && waited.Elapsed < patience)
            {
                await Task.Delay(Poll, cancellationToken);
            }
            catch (IOException) when (File.Exists(path))
            {
                throw new StartupRefusedException($"another process has been setting up {databasePath} for {patience.TotalSeconds:0} s (it holds {path}); stop the other server on this data folder, then start again.");
            }
        }
    }

    public void Dispose() => stream.Dispose();
}
