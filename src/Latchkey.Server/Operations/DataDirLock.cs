namespace Latchkey.Server.Operations;

/// <summary>
/// An advisory lock on <c>latchkey.lock</c> in the data folder. Every running server holds it
/// shared (replicas may share a folder for the key file); a restore takes it exclusively, so it
/// never replaces files under a running server, and no server starts while a restore runs.
/// The operating system drops the lock when the process ends, however it ends.
/// </summary>
internal sealed class DataDirLock : IDisposable
{
    public const string FileName = "latchkey.lock";

    private readonly FileStream stream;

    private DataDirLock(FileStream stream) => this.stream = stream;

    /// <summary>Held by a running server; fails with a sentence while a restore has the folder.</summary>
    public static DataDirLock Shared(string dataDir)
    {
        var path = Create(dataDir);
        try
        {
            // Read access with sharing takes flock(LOCK_SH): any number of servers, no restore.
            return new DataDirLock(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"The data folder {dataDir} is being restored (another process holds {path} exclusively); start the server when the restore has finished.", e);
        }
    }

    /// <summary>Null when a running server (or another restore) holds the folder.</summary>
    public static DataDirLock? TryExclusive(string dataDir)
    {
        var path = Create(dataDir);
        try
        {
            return new DataDirLock(new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => stream.Dispose();

    private static string Create(string dataDir)
    {
        var path = Path.Combine(dataDir, FileName);
        if (!File.Exists(path))
        {
            try
            {
                var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                new FileStream(path, create).Dispose();
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process made it first.
            }
        }

        return path;
    }
}
