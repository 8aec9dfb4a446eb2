using System.CommandLine;
using System.Text.Json;
using Latchkey.Cli.Output;
using Latchkey.Cli.Scanning;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Commands;

/// <summary>
/// <c>latchkey scan PATH...</c>: finds Latchkey tokens in files (and, with --git-history, in every
/// commit), prints where with a fingerprint (never the secret), and with --revoke sends them to the
/// server, which revokes each live one without anyone signing in.
/// </summary>
internal static class ScanCommand
{
    /// <summary>The most tokens the server takes in one report.</summary>
    private const int ReportSize = 1000;

    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var paths = new Argument<string[]>("path") { Description = "Files and folders to scan (folders recursively, without .git/).", Arity = ArgumentArity.OneOrMore };
        var history = new Option<bool>("--git-history") { Description = "Also scan every commit of the git repository around each path, deleted files included." };
        var revoke = new Option<bool>("--revoke") { Description = "Send the tokens found to the server, which revokes every live one and tells its owner. Needs no sign-in." };
        var json = new Option<bool>("--json") { Description = "Print the findings as JSON." };
        var server = new Option<string?>("--server") { Description = "The Latchkey server for --revoke (default: the one you signed in to).", HelpName = "url" };
        var command = new Command("scan",
            "Find Latchkey tokens in files and git history, e.g. before publishing a repository. Exits 1 when it finds one. "
            + "Kubeconfigs and the CLI's own config hold tokens on purpose: scan what you publish, not your home folder.")
        {
            paths, history, revoke, json, server,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var target = parse.GetValue(revoke) ? RevocationServer(parse.GetValue(server), env) : null;
            var options = new ScanOptions(parse.GetValue(paths)!, parse.GetValue(history), parse.GetValue(json));
            using var api = target is null ? null : new ApiClient(target, token: null);
            return await RunAsync(options, console, api, cancellationToken);
        });
        return command.WithExamples(
            "latchkey scan .",
            "latchkey scan . --git-history",
            "latchkey scan ./repo --git-history --revoke",
            "latchkey scan config/ --json");
    }

    /// <param name="api">Set for --revoke: a client that sends no token of its own.</param>
    public static async Task<int> RunAsync(ScanOptions options, CliConsole console, ApiClient? api, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(console);
        if (options.Paths.FirstOrDefault(p => !File.Exists(p) && !Directory.Exists(p)) is { } missing)
        {
            throw new UsageException($"{missing}: no such file or folder.");
        }

        var findings = new List<Finding>();
        var files = new FileScanner(console.Error);
        foreach (var path in options.Paths)
        {
            findings.AddRange(files.Scan(path));
            if (options.GitHistory)
            {
                findings.AddRange(await GitHistory.ScanAsync(path, cancellationToken));
            }
        }

        var distinct = findings.Select(f => f.Token).Distinct(StringComparer.Ordinal).ToList();
        int? sent = api is null || distinct.Count == 0 ? null : await ReportAsync(api, distinct, cancellationToken);
        Print(options, console, findings, distinct.Count, sent, api);
        return findings.Count == 0 ? ExitCodes.Ok : ExitCodes.TokensFound;
    }

    private static async Task<int> ReportAsync(ApiClient api, List<string> tokens, CancellationToken cancellationToken)
    {
        var received = 0;
        foreach (var chunk in tokens.Chunk(ReportSize))
        {
            received += (await api.PostAsync("api/v1/tokens/revoke-leaked", new RevokeLeakedRequest(chunk),
                CliJson.Default.RevokeLeakedRequest, CliJson.Default.RevokeLeakedResponse, cancellationToken)).Received;
        }

        return received;
    }

    private static void Print(ScanOptions options, CliConsole console, List<Finding> findings, int distinct, int? sent, ApiClient? api)
    {
        if (options.Json)
        {
            var report = new ScanReport([.. findings.Select(f => new ScanHit(f.Path, f.Line, f.Commit, f.Fingerprint))], sent);
            console.Out.WriteLine(JsonSerializer.Serialize(report, CliJson.Default.ScanReport));
        }
        else if (findings.Count > 0)
        {
            var headers = options.GitHistory ? new[] { "FILE", "LINE", "COMMIT", "TOKEN" } : ["FILE", "LINE", "TOKEN"];
            Table.Write(console.Out, headers, findings.Select(f => (IReadOnlyList<string>)(options.GitHistory
                ? [f.Path, Number(f.Line), f.Commit is null ? "(working tree)" : f.Commit[..Math.Min(12, f.Commit.Length)], f.Fingerprint]
                : [f.Path, Number(f.Line), f.Fingerprint])));
        }

        if (findings.Count == 0)
        {
            console.Error.WriteLine("No Latchkey tokens found.");
        }
        else if (sent is null)
        {
            console.Error.WriteLine($"Found {findings.Count} Latchkey token(s), {distinct} distinct. Anyone who read them can use them: "
                + "add --revoke to revoke them now (no sign-in needed), then remove them from the files and the history.");
        }
        else
        {
            console.Error.WriteLine($"Found {findings.Count} Latchkey token(s), {distinct} distinct, and sent them to {api!.Server}: "
                + "each one that still worked is revoked now, and its owner is told. Remove them from the files and the history too.");
        }
    }

    private static string Number(int line) => line.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Uri RevocationServer(string? option, CliEnvironment env) =>
        (option ?? CliConfig.Effective(env).Server) is { } text
            ? CliConfig.ParseServer(text)
            : throw new UsageException("--revoke needs the Latchkey server: give --server URL, or sign in once with 'latchkey login'.");
}

internal sealed record ScanOptions(IReadOnlyList<string> Paths, bool GitHistory, bool Json);

/// <summary>One finding as --json prints it: a fingerprint, never the secret.</summary>
internal sealed record ScanHit(string Path, int Line, string? Commit, string Fingerprint);

internal sealed record ScanReport(IReadOnlyList<ScanHit> Findings, int? SentForRevocation);
