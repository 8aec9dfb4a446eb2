namespace Latchkey.Server.Data;

/// <summary>
/// The disk under the data folder: full, it fails every write of the SQLite store, the key files
/// and the console's keys, so <c>/readyz</c> says so before the writes do; unwritable at start,
/// the start ends with one line that says so.
/// </summary>
internal static class DataDisk
{
    /// <summary>Below this much free space the disk counts as full: SQLite needs room for its journal and pages.</summary>
    public const long MinimumFreeBytes = 1024 * 1024;

    private const string ProbeFileName = ".write-probe";

    /// <summary>Why the data folder's disk cannot take writes, or null.</summary>
    public static string? Problem(string dataDir)
    {
        try
        {
            var free = new DriveInfo(dataDir).AvailableFreeSpace;
            return free < MinimumFreeBytes ? $"{StoreFaults.DiskFull} ({free / 1024} KiB free under {dataDir})" : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return $"the data folder {dataDir} cannot be examined ({e.Message})";
        }
    }

    /// <summary>Creates the folder if it is missing and writes a file in it, or refuses the start with the reason.</summary>
    public static void EnsureWritable(string dataDir)
    {
        var probe = Path.Combine(dataDir, ProbeFileName);
        try
        {
            Directory.CreateDirectory(dataDir);
            using (var file = new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough))
            {
                file.Write(new byte[4096]);
            }

            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e switch
            {
                UnauthorizedAccessException => "permission denied",
                IOException { HResult: StoreFaults.ReadOnlyFileSystem } => "the file system is read-only",
                IOException { HResult: StoreFaults.NoSpaceLeft } => "the disk is full",
                _ => e.Message,
            };
            TryDelete(probe);
            throw new StartupRefusedException(
                $"the data folder {dataDir} cannot be written ({reason}); give the service user a writable folder, or choose another with LATCHKEY_DATADIR (Latchkey:DataDir).");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing was written there, or the folder is beyond reach: either way nothing to undo.
        }
    }
}
