using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Core.Contracts;
using Latchkey.Core.Tokens;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Cli.Tests.Commands;

/// <summary>
/// <c>latchkey scan</c> on files made by each test. Every token in them is generated at test time:
/// no string that passes the checksum is ever committed.
/// </summary>
public sealed class ScanCommandTests : IDisposable
{
    private static readonly string[] GitSettings =
        ["-c", "user.name=Test", "-c", "user.email=test@example.test", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"];

    private readonly string root = Directory.CreateTempSubdirectory("latchkey-scan-").FullName;

    [Fact]
    public async Task Reports_each_token_by_file_and_line_with_a_fingerprint_and_skips_changed_tokens_binaries_and_git_folders()
    {
        var token = TokenFormat.Generate();
        var other = TokenFormat.Generate();
        var shapedRight = "lk_" + new string('a', 36);
        Assert.False(TokenFormat.IsWellFormed(shapedRight));
        Write("deploy/ci.env", $"# CI settings\nREGION=eu-1\nLATCHKEY_TOKEN={token}\n");
        Write("notes.md", $"two on a line: \"{other}\" and '{token}'\n");
        Write("typo.txt", $"TOKEN={OneCharacterChanged(token)}\n{shapedRight}\nxlk_{token[3..]}\n");
        File.WriteAllBytes(Path.Combine(root, "image.bin"), [0, 1, 2, .. Encoding.ASCII.GetBytes(token)]);
        Write(".git/config", token);
        using var cli = new CliHarness();

        var table = await cli.RunAsync("scan", root);

        Assert.True(table.ExitCode == 1, table.ToString());
        var lines = table.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["FILE", "LINE", "TOKEN"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(4, lines.Length);
        Assert.Equal([Path.Combine(root, "deploy", "ci.env"), "3", Fingerprint(token)], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("2 distinct", table.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(token, table.Out + table.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(other, table.Out + table.Error, StringComparison.Ordinal);

        var json = await cli.RunAsync("scan", root, "--json");
        var findings = JsonDocument.Parse(json.Out).RootElement.GetProperty("findings").EnumerateArray()
            .Select(f => (Path.GetRelativePath(root, f.GetProperty("path").GetString()!), f.GetProperty("line").GetInt32(), f.GetProperty("fingerprint").GetString()))
            .ToList();
        Assert.Equal([(Path.Combine("deploy", "ci.env"), 3, Fingerprint(token)), ("notes.md", 1, Fingerprint(other)), ("notes.md", 1, Fingerprint(token))], findings);
        Assert.DoesNotContain(token, json.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clean_files_exit_0_and_a_path_that_does_not_exist_is_a_usage_error()
    {
        Write("README.md", "Tokens look like lk_ followed by 36 characters.\n");
        using var cli = new CliHarness();

        var clean = await cli.RunAsync("scan", root);
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.Contains("No Latchkey tokens found", clean.Error, StringComparison.Ordinal);

        var missing = await cli.RunAsync("scan", Path.Combine(root, "nowhere"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no such file or folder", missing.Error, StringComparison.Ordinal);
        Assert.Equal(2, (await cli.RunAsync("scan")).ExitCode);
        Assert.Equal(2, (await cli.RunAsync("scan", root, "--revoke")).ExitCode);
    }

    [Fact]
    public async Task Git_history_reports_a_token_deleted_in_a_later_commit_with_the_commit_that_added_it()
    {
        var git = Requires.Program("git");
        var token = TokenFormat.Generate();
        await GitAsync(git, "init", "-q");
        Write("app/settings.env", $"URL=https://example.test\nLATCHKEY_TOKEN={token}\n");
        Write("README.md", "nothing here\n");
        await GitAsync(git, "add", ".");
        await GitAsync(git, "commit", "-q", "-m", "settings");
        var added = (await GitAsync(git, "rev-parse", "HEAD")).Trim();
        File.Delete(Path.Combine(root, "app", "settings.env"));
        await GitAsync(git, "commit", "-q", "-a", "-m", "remove the token");
        using var cli = new CliHarness();

        var treeOnly = await cli.RunAsync("scan", root);
        Assert.True(treeOnly.ExitCode == 0, treeOnly.ToString());

        var history = await cli.RunAsync("scan", root, "--git-history", "--json");
        Assert.True(history.ExitCode == 1, history.ToString());
        var finding = Assert.Single(JsonDocument.Parse(history.Out).RootElement.GetProperty("findings").EnumerateArray());
        Assert.Equal("app/settings.env", finding.GetProperty("path").GetString());
        Assert.Equal(2, finding.GetProperty("line").GetInt32());
        Assert.Equal(added, finding.GetProperty("commit").GetString());
        Assert.Equal(Fingerprint(token), finding.GetProperty("fingerprint").GetString());

        var table = await cli.RunAsync("scan", root, "--git-history");
        Assert.Contains(added[..12], table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Git_history_outside_a_repository_is_a_usage_error()
    {
        Requires.Program("git");
        Write("file.txt", "text\n");
        using var cli = new CliHarness();

        var result = await cli.RunAsync("scan", root, "--git-history");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not in a git repository", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoke_sends_the_tokens_to_the_server_without_signing_in_and_they_stop_working()
    {
        await using var app = await TestApp.StartAsync();
        var leaked = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("pushed by mistake"));
        var kept = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("kept"));
        Write("deploy.sh", $"curl -H 'Authorization: Bearer {leaked.Secret}' https://example.test\n");
        using var cli = new CliHarness(app);

        var result = await cli.RunAsync("scan", root, "--revoke", "--server", app.BaseAddress.ToString(), "--json");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(1, JsonDocument.Parse(result.Out).RootElement.GetProperty("sentForRevocation").GetInt32());
        Assert.Contains("is revoked now", result.Error, StringComparison.Ordinal);
        using var withLeaked = app.Client(leaked.Secret);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withLeaked.GetAsync("/api/v1/whoami")).StatusCode);
        using var withKept = app.Client(kept.Secret);
        Assert.Equal(HttpStatusCode.OK, (await withKept.GetAsync("/api/v1/whoami")).StatusCode);
        Assert.Equal("leaked", await app.WithStoreAsync(db => db.AccessTokens.Where(t => t.Id == leaked.Id).Select(t => t.RevocationReason).SingleAsync()));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private void Write(string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>What the README promises: <c>lk_</c>, 3 characters, "...", the 6-character checksum.</summary>
    private static string Fingerprint(string token) => $"{token[..6]}...{token[^6..]}";

    private static string OneCharacterChanged(string token)
    {
        var chars = token.ToCharArray();
        chars[10] = chars[10] == 'a' ? 'b' : 'a';
        return new string(chars);
    }

    private async Task<string> GitAsync(string git, params string[] args)
    {
        var start = new ProcessStartInfo(git) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in GitSettings.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', args)}: {error}");
        return await output;
    }
}
