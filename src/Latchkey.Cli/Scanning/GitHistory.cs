using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Latchkey.Cli.Scanning;

/// <summary>
/// Finds tokens in every commit of a repository, including ones deleted since: <c>git log -p --all</c>
/// with no context lines, reading each added line with the commit that added it and its line number
/// in that commit's file. Only the path is passed to git; the output is streamed, never held whole.
/// </summary>
internal static partial class GitHistory
{
    public static async Task<List<Finding>> ScanAsync(string path, CancellationToken cancellationToken)
    {
        var folder = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-C", folder, "-c", "core.quotePath=false", "log", "-p", "--all", "--no-color", "--no-ext-diff",
            "--no-textconv", "--unified=0", "--format=commit %H" })
        {
            start.ArgumentList.Add(arg);
        }

        Process git;
        try
        {
            git = Process.Start(start)!;
        }
        catch (Win32Exception)
        {
            throw new CliException("git is not installed (or not on PATH); --git-history needs it.");
        }

        using (git)
        {
            List<Finding> found;
            var errors = git.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                found = await ParseAsync(git.StandardOutput, cancellationToken);
                await git.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                git.Kill(entireProcessTree: true);
                throw;
            }

            if (git.ExitCode != 0)
            {
                var message = (await errors).Trim();
                throw message.Contains("not a git repository", StringComparison.OrdinalIgnoreCase)
                    ? new UsageException($"{path} is not in a git repository; --git-history needs one.")
                    : new CliException($"git log in {folder} failed: {message.Split('\n')[0]}");
            }

            return found;
        }
    }

    /// <summary>Reads <c>git log -p --unified=0 --format="commit %H"</c> output.</summary>
    public static async Task<List<Finding>> ParseAsync(TextReader diff, CancellationToken cancellationToken)
    {
        var found = new List<Finding>();
        string? commit = null, file = null;
        var (inHunk, line) = (false, 0);
        while (await diff.ReadLineAsync(cancellationToken) is { } text)
        {
            if (text.StartsWith("commit ", StringComparison.Ordinal))
            {
                (commit, file, inHunk) = (text[7..].Trim(), null, false);
            }
            else if (text.StartsWith("diff ", StringComparison.Ordinal))
            {
                (file, inHunk) = (null, false);
            }
            else if (!inHunk && text.StartsWith("+++ ", StringComparison.Ordinal))
            {
                file = NewPath(text[4..]);
            }
            else if (HunkHeader().Match(text) is { Success: true } hunk)
            {
                (inHunk, line) = (true, int.Parse(hunk.Groups[1].ValueSpan, CultureInfo.InvariantCulture));
            }
            else if (inHunk && text.StartsWith('+'))
            {
                found.AddRange(TokenFinder.Find(text[1..]).Select(token => new Finding(file ?? "?", line, commit, token)));
                line++;
            }
            else if (inHunk && text.StartsWith(' '))
            {
                line++;
            }
        }

        return found;
    }

    /// <summary><c>b/dir/file</c> → <c>dir/file</c>; git quotes unusual names, which are shown as git wrote them.</summary>
    private static string? NewPath(string text) => text switch
    {
        "/dev/null" => null,
        _ when text.StartsWith("b/", StringComparison.Ordinal) => text[2..],
        _ when text.StartsWith("\"b/", StringComparison.Ordinal) => text[3..].TrimEnd('"'),
        _ => text,
    };

    [GeneratedRegex(@"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")]
    private static partial Regex HunkHeader();
}
