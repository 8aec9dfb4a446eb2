using Latchkey.Server.Verification;

namespace Latchkey.Server.Operations;

/// <summary>The files of a SQLite data folder that a restore replaces, and the replacing itself.</summary>
internal sealed class DataLayout(LatchkeyOptions settings)
{
    private readonly string database = StoreCommands.DatabasePath(settings);
    private readonly string keyFile = Path.Combine(settings.DataDir, TokenKeyRing.FileName);
    private readonly string consoleKeys = Path.Combine(settings.DataDir, BackupArchive.ConsoleKeysFolder);

    public bool HoldsData() => File.Exists(database) || File.Exists(keyFile);

    /// <summary>
    /// Moves the current files aside, then the staged ones in (renames within one file system).
    /// On any failure the staged files go back out and the old ones back in, and the error is
    /// rethrown; on success the old files are deleted.
    /// </summary>
    public void Replace(string staging)
    {
        // The old database's -wal and -shm go too: left beside the restored file, SQLite would
        // replay the old log into it.
        string[] replaced = [database, database + "-wal", database + "-shm", database + "-journal", keyFile, consoleKeys];
        var incoming = new (string From, string To)[]
        {
            (Path.Combine(staging, BackupArchive.DatabaseEntry), database),
            (Path.Combine(staging, BackupArchive.KeyFileEntry), keyFile),
            (Path.Combine(staging, BackupArchive.ConsoleKeysFolder), consoleKeys),
        };

        var aside = StoreCommands.CreatePrivateFolder(settings.DataDir, ".before-restore-");
        var done = new Stack<(string From, string To)>();
        try
        {
            foreach (var (path, index) in replaced.Select((p, i) => (p, i)))
            {
                if (Exists(path))
                {
                    Move(path, Path.Combine(aside, index.ToString(System.Globalization.CultureInfo.InvariantCulture)), done);
                }
            }

            foreach (var (from, to) in incoming.Where(m => Exists(m.From)))
            {
                Move(from, to, done);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var stuck = false;
            while (done.TryPop(out var move))
            {
                try
                {
                    Move(move.To, move.From, null);
                }
                catch (Exception back) when (back is IOException or UnauthorizedAccessException)
                {
                    stuck = true;
                }
            }

            if (stuck)
            {
                // Never delete what could not be put back: the old files are all in the aside folder or in place.
                throw new BackupException($"the restore failed ({e.Message}) and not every previous file could be put back; what is missing from {settings.DataDir} is in {aside}.", e, dataFolderChanged: true);
            }

            Directory.Delete(aside);
            throw;
        }

        Directory.Delete(aside, recursive: true);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(settings.DataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    private static void Move(string from, string to, Stack<(string From, string To)>? done)
    {
        if (Directory.Exists(from))
        {
            Directory.Move(from, to);
        }
        else
        {
            File.Move(from, to);
        }

        done?.Push((from, to));
    }
}
