using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Kubeconfigs;

public class KubeconfigCheckTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task A_clean_file_has_no_problems_and_exits_0()
    {
        using var cli = new CliHarness();
        var path = Copy(cli, "clean.yaml", OwnerOnly);

        var result = await cli.RunAsync("kubeconfig", "check", path, "--offline");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"No problems found in {path}.\n", result.Out);
    }

    [Theory]
    [InlineData("other users can read it (mode 0644).")]
    [InlineData("context 'orphan' uses cluster 'gone', which is in no file.")]
    [InlineData("context 'orphan' uses user 'nobody', which is in no file.")]
    [InlineData("one token is shared by the contexts 'shared-a', 'shared-b'.")]
    [InlineData("user 'latchkey-0123456789abcdef-laptop' keeps a Latchkey token in the file.")]
    [InlineData("user 'latchkey-exec-dev-1' runs 'latchkey credential' without 'provideClusterInfo: true', so it cannot check which server kubectl sends the credential to.")]
    public async Task Each_problem_of_the_fixture_is_found_and_exits_1(string problem)
    {
        using var cli = new CliHarness();
        var path = Copy(cli, "doctor-problems.yaml", OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var result = await cli.RunAsync("kubeconfig", "check", path, "--offline");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{path}: {problem}\n    fix: ", result.Out, StringComparison.Ordinal);
        Assert.EndsWith("6 problem(s) found.\n", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("fake-test-token", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_path_it_checks_the_default_file()
    {
        using var cli = new CliHarness();
        Directory.CreateDirectory(Path.GetDirectoryName(cli.DefaultKubeconfig)!);
        File.Copy(KubeconfigCommandTests.Asset("doctor-problems.yaml"), cli.DefaultKubeconfig);

        var result = await cli.RunAsync("kubeconfig", "check", "--offline");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{cli.DefaultKubeconfig}: context 'orphan'", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_file_is_a_problem_not_a_crash()
    {
        using var cli = new CliHarness();
        var path = Path.Combine(cli.Home, "config");
        await File.WriteAllTextAsync(path, "clusters: [\n");
        File.SetUnixFileMode(path, OwnerOnly);

        var result = await cli.RunAsync("kubeconfig", "check", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not valid YAML", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_git_could_commit_is_a_problem_until_it_is_ignored_and_a_tracked_one_stays_one()
    {
        var git = Requires.Program("git");
        using var cli = new CliHarness();
        var repo = Directory.CreateDirectory(Path.Combine(cli.Home, "repo")).FullName;
        Assert.Equal(0, (await CliProcess.RunAsync(git, ["init", "-q", repo], CliProcess.Environment(cli.Home))).ExitCode);
        var path = Path.Combine(repo, "prod.kubeconfig");
        File.Copy(KubeconfigCommandTests.Asset("clean.yaml"), path);
        File.SetUnixFileMode(path, OwnerOnly);

        var exposed = await cli.RunAsync("kubeconfig", "check", path, "--offline");
        Assert.Equal(1, exposed.ExitCode);
        Assert.Contains("inside a git work tree and not ignored", exposed.Out, StringComparison.Ordinal);

        await File.WriteAllTextAsync(Path.Combine(repo, ".gitignore"), "*.kubeconfig\n");
        var ignored = await cli.RunAsync("kubeconfig", "check", path, "--offline");
        Assert.True(ignored.ExitCode == 0, ignored.ToString());

        Assert.Equal(0, (await CliProcess.RunAsync(git, ["-C", repo, "add", "-f", "prod.kubeconfig"], CliProcess.Environment(cli.Home))).ExitCode);
        var tracked = await cli.RunAsync("kubeconfig", "check", path, "--offline");
        Assert.Equal(1, tracked.ExitCode);
        Assert.Contains("committed to the git repository", tracked.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoked_expired_and_soon_expiring_tokens_are_found_with_the_server()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        foreach (var (name, expires) in new[] { ("healthy", "30d"), ("revoked", "30d"), ("expired", "1d"), ("expiring", "5d") })
        {
            var get = await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", name, "--expires", expires);
            Assert.True(get.ExitCode == 0, get.ToString());
        }

        var revokedUser = Latchkey.Core.Kubeconfigs.KubeconfigFile.Load(cli.DefaultKubeconfig)
            .Find(Latchkey.Core.Kubeconfigs.KubeconfigSection.Contexts, "prod-1-revoked")!["user"]!;
        var revokedId = Latchkey.Core.Kubeconfigs.KubeconfigNames.TokenIdOf(revokedUser)!;
        Assert.Equal(0, (await cli.RunAsync("tokens", "delete", revokedId, "--yes")).ExitCode);
        app.Time.Advance(TimeSpan.FromDays(2));

        var result = await cli.RunAsync("kubeconfig", "check");

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"holds token [0-9a-z]{16}, which is revoked\.", result.Out);
        Assert.Matches(@"-expired' holds token [0-9a-z]{16}, which has expired\.", result.Out);
        Assert.Matches(@"-expiring' holds token [0-9a-z]{16}, which expires ", result.Out);
        Assert.DoesNotMatch(@"-healthy' holds token", result.Out);
    }

    private static string Copy(CliHarness cli, string asset, UnixFileMode mode)
    {
        var path = Path.Combine(cli.Home, "config");
        File.Copy(KubeconfigCommandTests.Asset(asset), path);
        File.SetUnixFileMode(path, mode);
        return path;
    }
}
