using System.Security.Cryptography;
using System.Text;

namespace Latchkey.Core.Kubeconfigs;

/// <summary>
/// Reads and writes a kubeconfig file the careful way: under a lock file (the same
/// <c>&lt;file&gt;.lock</c> kubectl takes), reading the current content after taking the lock so
/// that no concurrent change is lost, keeping the previous content in <c>&lt;file&gt;.bak</c>, and
/// replacing the file by renaming a complete temporary file over it, so that a crash or a full
/// disk leaves the old file whole. The file and its backup are written <c>0600</c>: they hold
/// credentials.
/// </summary>
public static class KubeconfigFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const int LockAttempts = 50;
    private static readonly TimeSpan LockRetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>The file's kubeconfig; a missing or empty file is an empty kubeconfig.</summary>
    public static Kubeconfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Kubeconfig.Empty();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubeconfigException($"Cannot read {path}: {e.Message}", e);
        }

        return Kubeconfig.Parse(text, path);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the file's current content and writes the result if
    /// anything changed. When <paramref name="change"/> throws, the file is left as it was.
    /// </summary>
    public static async Task<T> UpdateAsync<T>(string path, Func<Kubeconfig, T> change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(change);
        var target = RealPath(path);
        CheckWritable(target);
        CreateFolder(Path.GetDirectoryName(target)!);

        using var held = await LockAsync(target, cancellationToken).ConfigureAwait(false);
        var before = File.Exists(target) ? await File.ReadAllBytesAsync(target, cancellationToken).ConfigureAwait(false) : null;
        var config = before is null ? Kubeconfig.Empty() : Kubeconfig.Parse(Encoding.UTF8.GetString(before), path);
        var result = change(config);
        if (!config.IsChanged)
        {
            return result;
        }

        var written = Encoding.UTF8.GetBytes(config.ToYaml());
        if (before is not null)
        {
            WriteAtomically(target + ".bak", before);
        }

        WriteAtomically(target, written);
        return result;
    }

    /// <summary>A kubeconfig that is a symbolic link (to a dotfiles repository, say) stays one: its target is written.</summary>
    private static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        return new FileInfo(full).LinkTarget is null ? full : File.ResolveLinkTarget(full, returnFinalTarget: true)!.FullName;
    }

    /// <summary>
    /// A file its owner made read-only is refused even where the process could replace it (as root,
    /// or by renaming over it): the owner said it should not change.
    /// </summary>
    public static void CheckWritable(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        path = RealPath(path);
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserWrite) == 0)
        {
            throw new KubeconfigException(
                $"{path} is read-only (mode {Octal(mode)}). Nothing was changed; make it writable (chmod u+w) or write to another file.");
        }
    }

    private static async Task<FileStream> LockAsync(string path, CancellationToken cancellationToken)
    {
        var lockPath = path + ".lock";
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new FileStream(lockPath, NewPrivateFile(FileOptions.DeleteOnClose));
            }
            catch (IOException) when (File.Exists(lockPath))
            {
                if (attempt == LockAttempts)
                {
                    throw new KubeconfigException(
                        $"Another program is changing {path} (the lock file {lockPath} exists). Try again; if nothing else is running, delete the lock file.");
                }

                await Task.Delay(LockRetryDelay, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new KubeconfigException($"Cannot write next to {path}: {e.Message} Nothing was changed.", e);
            }
        }
    }

    /// <summary>Writes a new file beside the old one and renames it over: readers see the old file or the new one, never half of one.</summary>
    private static void WriteAtomically(string path, byte[] content)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.tmp");
        try
        {
            using (var file = new FileStream(temp, NewPrivateFile(FileOptions.None)))
            {
                file.Write(content);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new KubeconfigException($"Cannot write {path}: {e.Message} Nothing was changed.", e);
        }
    }

    /// <summary>A folder created for the file (~/.kube on a new machine) is the owner's alone; an existing one is left as it is.</summary>
    private static void CreateFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, OwnerOnly | UnixFileMode.UserExecute);
        }
    }

    private static FileStreamOptions NewPrivateFile(FileOptions options)
    {
        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = options };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = OwnerOnly;
        }

        return file;
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8);
}
