using System.Net;
using System.Text.Json;
using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Core.Kubeconfigs;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Kubeconfigs;

public class KubeconfigCommandTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Get_writes_a_token_entry_into_the_default_file_and_says_what_it_added()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");

        var result = await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", "My Laptop");

        Assert.True(result.ExitCode == 0, result.ToString());
        var config = KubeconfigFile.Load(cli.DefaultKubeconfig);
        var user = Assert.Single(config.Entries(KubeconfigSection.Users));
        Assert.Equal("prod-1-my-laptop", config.CurrentContext);
        Assert.Contains($"Added to {cli.DefaultKubeconfig}: cluster prod-1, context prod-1-my-laptop, user {user.Name}.", result.Out, StringComparison.Ordinal);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(cli.DefaultKubeconfig));
        using var client = app.Client(user["token"]);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        Assert.DoesNotContain("lk_", result.Out + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_writes_to_the_first_file_of_KUBECONFIG_and_keeps_its_current_context()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        var first = Path.Combine(cli.Home, "first.yaml");
        var second = Path.Combine(cli.Home, "second.yaml");
        File.Copy(Asset("clean.yaml"), first);
        cli.Variables["KUBECONFIG"] = $"{first}:{second}";

        var result = await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", "ci");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.NotNull(KubeconfigFile.Load(first).Find(KubeconfigSection.Contexts, "prod-1-ci"));
        Assert.False(File.Exists(second));
        Assert.False(File.Exists(cli.DefaultKubeconfig));
        Assert.Equal("staging-admin", KubeconfigFile.Load(first).CurrentContext);
        Assert.Contains("kubectl config use-context prod-1-ci", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_for_an_unknown_cluster_is_an_error_and_creates_no_token()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        var before = await Clusters.TokenCountAsync(app);

        var result = await cli.RunAsync("kubeconfig", "get", "nope", "--name", "x");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: No cluster named 'nope' exists that you may use. 'latchkey clusters list' shows yours.\n", result.Error);
        Assert.Equal(before, await Clusters.TokenCountAsync(app));
        Assert.False(File.Exists(cli.DefaultKubeconfig));
    }

    [Fact]
    public async Task Get_into_a_file_with_a_conflicting_cluster_is_an_error_before_any_token_exists()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        var path = Path.Combine(cli.Home, "config");
        await File.WriteAllTextAsync(path, "clusters:\n- name: prod-1\n  cluster:\n    server: https://elsewhere.example.test\n");
        var before = await Clusters.TokenCountAsync(app);

        var result = await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", "x", "--kubeconfig", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{path} already defines a cluster named 'prod-1' for another server", result.Error, StringComparison.Ordinal);
        Assert.Contains("--alias", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, await Clusters.TokenCountAsync(app));
    }

    [Fact]
    public async Task Get_that_cannot_write_the_file_revokes_the_token_it_created()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        Directory.CreateDirectory(Path.GetDirectoryName(cli.DefaultKubeconfig)!);
        await File.WriteAllTextAsync(cli.DefaultKubeconfig + ".lock", "");

        var result = await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", "locked-out");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Another program is changing", result.Error, StringComparison.Ordinal);
        Assert.Contains("was revoked again", result.Error, StringComparison.Ordinal);
        var token = await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Single(t => t.Name == "locked-out")));
        Assert.NotNull(token.RevokedAt);
        Assert.False(File.Exists(cli.DefaultKubeconfig));
    }

    [Fact]
    public async Task Get_with_dry_run_creates_nothing()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        var before = await Clusters.TokenCountAsync(app);

        var result = await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", "x", "--dry-run");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("Dry run: would create token \"x\"", result.Out, StringComparison.Ordinal);
        Assert.Equal(before, await Clusters.TokenCountAsync(app));
        Assert.False(File.Exists(cli.DefaultKubeconfig));
    }

    [Fact]
    public async Task Get_exec_writes_an_entry_without_any_secret()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        var before = await Clusters.TokenCountAsync(app);

        var result = await cli.RunAsync("kubeconfig", "get", "prod-1", "--exec");

        Assert.True(result.ExitCode == 0, result.ToString());
        var text = await File.ReadAllTextAsync(cli.DefaultKubeconfig);
        Assert.DoesNotContain("lk_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("token", text, StringComparison.Ordinal);
        Assert.Contains("command: latchkey", text, StringComparison.Ordinal);
        Assert.Equal(before, await Clusters.TokenCountAsync(app));
        Assert.Equal(2, (await cli.RunAsync("kubeconfig", "get", "prod-1", "--exec", "--name", "x")).ExitCode);
    }

    [Fact]
    public async Task List_shows_contexts_with_token_status_and_offline_without_asking_the_server()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", "laptop");
        await cli.RunAsync("kubeconfig", "get", "prod-1", "--exec");

        var online = await cli.RunAsync("kubeconfig", "list");
        Assert.True(online.ExitCode == 0, online.ToString());
        Assert.Contains("STATUS", online.Out, StringComparison.Ordinal);
        Assert.Matches(@"\*\s+prod-1-laptop\s+prod-1\s+latchkey-[0-9a-z]{16}-laptop\s+team-a\s+\S+ \S+\s+active", online.Out);

        var requestsBefore = app.Traffic.Responses.Count;
        var offline = await cli.RunAsync("kubeconfig", "list", "--offline", "-o", "json");
        Assert.Equal(requestsBefore, app.Traffic.Responses.Count);
        var rows = JsonDocument.Parse(offline.Out).RootElement.EnumerateArray().ToList();
        Assert.Equal(["prod-1-laptop", "prod-1"], rows.Select(r => r.GetProperty("name").GetString()));
        Assert.Equal("exec", rows[1].GetProperty("status").GetString());
    }

    [Fact]
    public async Task List_still_lists_when_the_server_cannot_be_reached()
    {
        using var cli = new CliHarness();
        Directory.CreateDirectory(Path.Combine(cli.Home, ".kube"));
        await File.WriteAllTextAsync(cli.DefaultKubeconfig, KubeconfigTemplates.WithToken(
            new("prod-1", null, "https://prod-1.example.test", null, "x", "default", default), "0123456789abcdef", "laptop", "lk_fake_test_token_not_a_secret").ToYaml());
        cli.Variables["LATCHKEY_SERVER"] = $"http://127.0.0.1:{Commands.SessionCommandTests.FreePort()}";
        cli.Variables["LATCHKEY_TOKEN"] = "lk_fake_test_token_not_a_secret";

        var result = await cli.RunAsync("kubeconfig", "list");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("prod-1-laptop", result.Out, StringComparison.Ordinal);
        Assert.Contains("token status not shown", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remove_takes_out_the_context_and_what_only_it_used_and_revoke_deletes_the_token()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", "a");
        await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", "b");
        var userA = KubeconfigFile.Load(cli.DefaultKubeconfig).Find(KubeconfigSection.Contexts, "prod-1-a")!["user"]!;
        var tokenA = KubeconfigFile.Load(cli.DefaultKubeconfig).Find(KubeconfigSection.Users, userA)!["token"];

        var first = await cli.RunAsync("kubeconfig", "remove", "prod-1-a", "--revoke");

        Assert.True(first.ExitCode == 0, first.ToString());
        var config = KubeconfigFile.Load(cli.DefaultKubeconfig);
        Assert.Null(config.Find(KubeconfigSection.Contexts, "prod-1-a"));
        Assert.Null(config.Find(KubeconfigSection.Users, userA));
        Assert.NotNull(config.Find(KubeconfigSection.Clusters, "prod-1"));
        Assert.Null(config.CurrentContext);
        using var client = app.Client(tokenA);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/whoami")).StatusCode);

        var last = await cli.RunAsync("kubeconfig", "remove", "prod-1-b");
        Assert.True(last.ExitCode == 0, last.ToString());
        Assert.Contains("and its user", last.Out, StringComparison.Ordinal);
        Assert.Empty(KubeconfigFile.Load(cli.DefaultKubeconfig).Entries(KubeconfigSection.Clusters));

        var missing = await cli.RunAsync("kubeconfig", "remove", "prod-1-b");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no context named 'prod-1-b'", missing.Error, StringComparison.Ordinal);
    }

    internal static string Asset(string name) => Path.Combine(AppContext.BaseDirectory, "Assets", name);
}
