using System.Text.Json;
using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Kubeconfigs;

/// <summary>Kubeconfigs are built by the CLI from checked cluster fields: nothing a server writes as YAML reaches the file.</summary>
public class HostileServerTests
{
    private static readonly ClusterInfo Prod = new("prod-1", "eu-1", "https://prod-1.k8s.eu-1.example.test:6443", null, "prod-1", "team-a", DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task A_server_answering_with_a_shell_exec_user_and_an_extra_context_gets_none_of_it_into_the_file()
    {
        var kubectl = Requires.Program("kubectl");
        await using var hostile = await HostileLatchkeyServer.StartAsync(Prod);
        using var cli = SignedIn(hostile);
        var file = Path.Combine(cli.Home, "prod.yaml");

        var result = await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", "laptop", "--kubeconfig", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        var text = await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken);
        Assert.DoesNotContain("/bin/sh", text, StringComparison.Ordinal);
        Assert.DoesNotContain("attacker", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pwned", text, StringComparison.Ordinal);
        var env = CliProcess.Environment(cli.Home);
        var view = await CliProcess.RunAsync(kubectl, ["--kubeconfig", file, "config", "view", "--raw", "-o", "json"], env);
        Assert.True(view.ExitCode == 0, view.ToString());
        var config = JsonDocument.Parse(view.Out).RootElement;
        Assert.Equal("prod-1-laptop", Assert.Single(config.GetProperty("contexts").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(Prod.Server, Assert.Single(config.GetProperty("clusters").EnumerateArray()).GetProperty("cluster").GetProperty("server").GetString());
        var user = Assert.Single(config.GetProperty("users").EnumerateArray()).GetProperty("user");
        Assert.Equal(HostileLatchkeyServer.Secret, user.GetProperty("token").GetString());
        Assert.False(user.TryGetProperty("exec", out _));
    }

    [Fact]
    public async Task Tokens_create_with_a_kubeconfig_prints_one_built_from_the_cluster_fields_not_the_servers_text()
    {
        await using var hostile = await HostileLatchkeyServer.StartAsync(Prod);
        using var cli = SignedIn(hostile);

        var result = await cli.RunAsync("tokens", "create", "--name", "laptop", "--kubeconfig", "prod-1");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("/bin/sh", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("attacker", result.Out, StringComparison.Ordinal);
        var config = Kubeconfig.Parse(result.Out[result.Out.IndexOf("apiVersion:", StringComparison.Ordinal)..], "output");
        Assert.Equal(Prod.Server, Assert.Single(config.Entries(KubeconfigSection.Clusters))["server"]);
        Assert.Equal(HostileLatchkeyServer.Secret, Assert.Single(config.Entries(KubeconfigSection.Users))["token"]);
        Assert.Equal("prod-1-laptop", Assert.Single(config.Entries(KubeconfigSection.Contexts)).Name);
    }

    [Theory]
    [InlineData("https://user:password@prod-1.example.test")]
    [InlineData("https://prod-1.example.test/?proxy=attacker")]
    [InlineData("https://prod-1.example.test/#x")]
    [InlineData("https://prod-1.example.test\n    insecure-skip-tls-verify: true")]
    [InlineData("file:///etc/passwd")]
    [InlineData("prod-1.example.test")]
    public async Task A_server_URL_that_is_not_https_a_host_a_port_and_a_path_is_refused_before_any_token_is_made(string server)
    {
        await using var hostile = await HostileLatchkeyServer.StartAsync(Prod with { Server = server });
        using var cli = SignedIn(hostile);
        var file = Path.Combine(cli.Home, "prod.yaml");

        var token = await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", "laptop", "--kubeconfig", file);
        var exec = await cli.RunAsync("kubeconfig", "get", "prod-1", "--exec", "--kubeconfig", file);

        Assert.Equal(1, token.ExitCode);
        Assert.Contains("unusable server URL", token.Error, StringComparison.Ordinal);
        Assert.Equal(1, exec.ExitCode);
        Assert.False(File.Exists(file));
        Assert.DoesNotContain(hostile.Requests, r => r.StartsWith("POST", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_http_cluster_is_refused_for_both_forms_unless_insecure_http_which_says_what_kubectl_will_send()
    {
        await using var hostile = await HostileLatchkeyServer.StartAsync(Prod with { Server = "http://prod-1.k8s.eu-1.example.test:8080" });
        using var cli = SignedIn(hostile);
        var file = Path.Combine(cli.Home, "prod.yaml");

        var token = await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", "laptop", "--kubeconfig", file);
        var exec = await cli.RunAsync("kubeconfig", "get", "prod-1", "--exec", "--kubeconfig", file);

        Assert.Equal(1, token.ExitCode);
        Assert.Contains("--insecure-http", token.Error, StringComparison.Ordinal);
        Assert.Equal(1, exec.ExitCode);
        Assert.Contains("--insecure-http", exec.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
        Assert.DoesNotContain(hostile.Requests, r => r.StartsWith("POST", StringComparison.Ordinal));

        var insecureExec = await cli.RunAsync("kubeconfig", "get", "prod-1", "--exec", "--kubeconfig", file, "--insecure-http");
        var insecureToken = await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", "laptop", "--kubeconfig", file, "--insecure-http");

        Assert.True(insecureExec.ExitCode == 0, insecureExec.ToString());
        Assert.Contains("without any credential", insecureExec.Error, StringComparison.Ordinal);
        Assert.True(insecureToken.ExitCode == 0, insecureToken.ToString());
        Assert.Contains("sends the token in the clear", insecureToken.Error, StringComparison.Ordinal);
        Assert.Equal("http://prod-1.k8s.eu-1.example.test:8080", KubeconfigFile.Load(file).Find(KubeconfigSection.Clusters, "prod-1")!["server"]);
    }

    private static CliHarness SignedIn(HostileLatchkeyServer hostile)
    {
        var cli = new CliHarness();
        cli.Variables["LATCHKEY_SERVER"] = hostile.Address.ToString();
        cli.Variables["LATCHKEY_TOKEN"] = "lk_signInTokenForTheHostileServer000000000";
        return cli;
    }
}
