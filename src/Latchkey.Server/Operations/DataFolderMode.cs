using System.Runtime.InteropServices;

namespace Latchkey.Server.Operations;

/// <summary>
/// The data folder holds the database, its -wal and -shm files, the token key and the console's
/// data-protection keys: the service user's alone. New files are made owner-only by the process
/// umask (SQLite and the data-protection keys create their own files, with no mode to pass), and
/// whatever an older version or a hand-made copy left wider is narrowed at every start.
/// </summary>
internal static partial class DataFolderMode
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>For the server process: every file and folder it creates from now on is owner-only.</summary>
    public static void RestrictNewFiles()
    {
        if (!OperatingSystem.IsWindows())
        {
            // 077: no bits for group and others.
            _ = Umask(0b000_111_111);
        }
    }

    /// <summary>Creates the folder owner-only, or narrows it and everything in it; returns the paths it had to narrow.</summary>
    public static IReadOnlyList<string> Tighten(string dataDir)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDir);
            return [];
        }

        Directory.CreateDirectory(dataDir, Folder);
        var narrowed = new List<string>();
        Narrow(dataDir, Folder, narrowed);
        foreach (var entry in new DirectoryInfo(dataDir).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            if (entry.LinkTarget is null)
            {
                Narrow(entry.FullName, entry is DirectoryInfo ? Folder : File, narrowed);
            }
        }

        return narrowed;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Narrow(string path, UnixFileMode allowed, List<string> narrowed)
    {
        try
        {
            var mode = System.IO.File.GetUnixFileMode(path);
            if ((mode & ~allowed) != 0)
            {
                System.IO.File.SetUnixFileMode(path, mode & allowed);
                narrowed.Add(path);
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // Gone between the listing and now (a running server's SQLite removes its -wal and
            // -shm files when its last connection closes): nothing left to narrow.
        }
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint Umask(uint mask);
}
