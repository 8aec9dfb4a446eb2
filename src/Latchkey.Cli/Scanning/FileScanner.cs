namespace Latchkey.Cli.Scanning;

/// <summary>
/// Walks files and folders for tokens. Skips <c>.git</c> folders (history is <see cref="GitHistory"/>'s
/// job), symbolic links (no loops, nothing outside what was asked for), binary files (a NUL byte near
/// the start, as git decides) and files over <see cref="MaxFileBytes"/>, saying so on <paramref name="notes"/>.
/// </summary>
internal sealed class FileScanner(TextWriter notes)
{
    public const long MaxFileBytes = 10 * 1024 * 1024;
    private const int BinaryProbeBytes = 8000;

    private static readonly EnumerationOptions OneLevel = new()
    {
        RecurseSubdirectories = false,
        AttributesToSkip = FileAttributes.ReparsePoint,
        IgnoreInaccessible = true,
        ReturnSpecialDirectories = false,
    };

    public IEnumerable<Finding> Scan(string path) =>
        Directory.Exists(path) ? Files(path).SelectMany(ScanFile) : ScanFile(path);

    /// <summary>Depth first in name order, as <c>git ls-files</c> lists them; paths start with the folder as given.</summary>
    private static IEnumerable<string> Files(string folder)
    {
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", OneLevel).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var path = Path.Join(folder, entry.Name);
            if (entry is FileInfo)
            {
                yield return path;
            }
            else if (entry.Name != ".git")
            {
                foreach (var file in Files(path))
                {
                    yield return file;
                }
            }
        }
    }

    private IEnumerable<Finding> ScanFile(string file)
    {
        List<Finding> found;
        try
        {
            if (new FileInfo(file).Length > MaxFileBytes)
            {
                notes.WriteLine($"skipped {file}: larger than {MaxFileBytes / (1024 * 1024)} MiB");
                return [];
            }

            using var stream = File.OpenRead(file);
            if (IsBinary(stream))
            {
                return [];
            }

            stream.Position = 0;
            found = Read(stream, file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            notes.WriteLine($"skipped {file}: {e.Message}");
            return [];
        }

        return found;
    }

    private static bool IsBinary(Stream stream)
    {
        Span<byte> head = stackalloc byte[BinaryProbeBytes];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return head[..read].Contains((byte)0);
    }

    private static List<Finding> Read(Stream stream, string file)
    {
        var found = new List<Finding>();
        using var reader = new StreamReader(stream, leaveOpen: true);
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            found.AddRange(TokenFinder.Find(line).Select(token => new Finding(file, number, null, token)));
        }

        return found;
    }
}
