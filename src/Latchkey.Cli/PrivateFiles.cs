using System.Security.Cryptography;

namespace Latchkey.Cli;

/// <summary>Files that hold a token (the CLI's config, cached credentials): written whole, 0600, in a 0700 folder.</summary>
internal static class PrivateFiles
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Write(string path, string content)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder, OwnerOnly | UnixFileMode.UserExecute);
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.tmp");
        try
        {
            using (var file = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = OwnerOnly,
            }))
            using (var writer = new StreamWriter(file))
            {
                writer.Write(content);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new CliException($"Cannot write {path}: {e.Message}");
        }
    }

    public static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot read {path}: {e.Message}");
        }
    }
}
