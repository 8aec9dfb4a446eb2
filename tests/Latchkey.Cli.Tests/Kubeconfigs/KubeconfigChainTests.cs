using System.Text.Json;
using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Core.Kubeconfigs;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Kubeconfigs;

/// <summary>The files of KUBECONFIG are one view, as kubectl reads them: the first file that defines a name wins.</summary>
public class KubeconfigChainTests
{
    private const string Registered = "https://prod-1.k8s.eu-1.example.test:6443";

    [Fact]
    public async Task A_name_an_earlier_KUBECONFIG_file_uses_for_another_server_is_refused_naming_the_file_and_alias_writes_free_names()
    {
        var kubectl = Requires.Program("kubectl");
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        var (a, b) = (Path.Combine(cli.Home, "a.yaml"), Path.Combine(cli.Home, "b.yaml"));
        await File.WriteAllTextAsync(a, Foreign("https://elsewhere.example.test"), TestContext.Current.CancellationToken);
        cli.Variables["KUBECONFIG"] = $"{a}:{b}";
        var env = CliProcess.Environment(cli.Home);
        env["KUBECONFIG"] = $"{a}:{b}";

        var refused = await cli.RunAsync("kubeconfig", "get", "prod-1", "--exec", "--kubeconfig", b);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"{a} already defines a cluster named 'prod-1' for another server (https://elsewhere.example.test, not {Registered})", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--alias", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--user-alias", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Current context", refused.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(b));
        var merged = await Json(kubectl, env, "config", "view", "-o", "json");
        Assert.DoesNotContain(Users(merged), u => u.StartsWith("latchkey", StringComparison.Ordinal));

        var aliased = await cli.RunAsync("kubeconfig", "get", "prod-1", "--exec", "--kubeconfig", b, "--alias", "lk-prod-1", "--user-alias", "lk-prod-1");

        Assert.True(aliased.ExitCode == 0, aliased.ToString());
        // a.yaml sets a current context and is read first: kubectl keeps using it, and the message says so.
        Assert.Contains($"kubectl uses context 'prod-1' (the current context of {a})", aliased.Out, StringComparison.Ordinal);
        var minified = await Json(kubectl, env, "config", "view", "--minify", "--context", "lk-prod-1", "-o", "json");
        Assert.Equal(Registered, minified.GetProperty("clusters")[0].GetProperty("cluster").GetProperty("server").GetString());
        var exec = minified.GetProperty("users")[0].GetProperty("user").GetProperty("exec");
        Assert.Equal(["credential", "--cluster", "prod-1"], exec.GetProperty("args").EnumerateArray().Select(x => x.GetString()));
        Assert.True(exec.GetProperty("provideClusterInfo").GetBoolean());
        var foreign = await Json(kubectl, env, "config", "view", "--minify", "--context", "prod-1", "-o", "json");
        Assert.Equal("someone-else", foreign.GetProperty("users")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Check_flags_a_shadowed_name_and_credential_refuses_the_foreign_server_kubectl_would_call()
    {
        var kubectl = Requires.Program("kubectl");
        await using var foreignApi = await FakeKubernetesApi.StartAsync();
        await using var app = await TestApp.StartAsync();
        if (DateTimeOffset.UtcNow > app.Time.GetUtcNow())
        {
            app.Time.SetUtcNow(DateTimeOffset.UtcNow);
        }

        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        var (a, b) = (Path.Combine(cli.Home, "a.yaml"), Path.Combine(cli.Home, "b.yaml"));
        // b.yaml is written alone (KUBECONFIG is not set yet), then a file that defines prod-1 for another server comes first.
        Assert.Equal(0, (await cli.RunAsync("kubeconfig", "get", "prod-1", "--exec", "--kubeconfig", b)).ExitCode);
        await File.WriteAllTextAsync(a, ForeignCluster(foreignApi.Address.ToString().TrimEnd('/'), foreignApi.CaData), TestContext.Current.CancellationToken);
        cli.Variables["KUBECONFIG"] = $"{a}:{b}";
        var env = CliProcess.Environment(cli.Home);
        env["KUBECONFIG"] = $"{a}:{b}";
        var before = await Clusters.TokenCountAsync(app);

        var check = await cli.RunAsync("kubeconfig", "check");
        var call = await CliProcess.RunAsync(kubectl, ["--context", "prod-1", "get", "--raw", "/api/v1/namespaces"], env);

        Assert.Equal(1, check.ExitCode);
        Assert.Contains($"{b}: cluster 'prod-1' is also defined in {a}, which kubectl reads first", check.Out, StringComparison.Ordinal);
        Assert.Contains($"context 'prod-1' gives a Latchkey credential for prod-1 to {foreignApi.Address.ToString().TrimEnd('/')}", check.Out, StringComparison.Ordinal);
        Assert.Contains($"not to {Registered}, the server Latchkey registered", check.Out, StringComparison.Ordinal);
        Assert.NotEqual(0, call.ExitCode);
        Assert.Contains("no credential was given out", call.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(foreignApi.Authorizations, h => h.Length > 0);
        Assert.Equal(before, await Clusters.TokenCountAsync(app));
    }

    [Fact]
    public async Task Credential_refuses_a_server_in_KUBERNETES_EXEC_INFO_that_Latchkey_did_not_register_cold_and_warm()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        var before = await Clusters.TokenCountAsync(app);

        cli.Variables["KUBERNETES_EXEC_INFO"] = ExecInfo("https://attacker.example.test");
        var cold = await cli.RunAsync("credential", "--cluster", "prod-1");
        cli.Variables["KUBERNETES_EXEC_INFO"] = ExecInfo("https://PROD-1.k8s.eu-1.example.test:6443/");
        var registered = await cli.RunAsync("credential", "--cluster", "prod-1");
        cli.Variables["KUBERNETES_EXEC_INFO"] = ExecInfo("https://prod-1.k8s.eu-1.example.test:6444");
        var warm = await cli.RunAsync("credential", "--cluster", "prod-1");

        Assert.Equal(1, cold.ExitCode);
        Assert.Empty(cold.Out);
        Assert.Contains($"kubectl is about to call https://attacker.example.test for cluster prod-1, but Latchkey registered {Registered} for it; no credential was given out.", cold.Error, StringComparison.Ordinal);
        Assert.True(registered.ExitCode == 0, registered.ToString());
        Assert.Contains("\"token\": \"lk_", registered.Out, StringComparison.Ordinal);
        Assert.Equal(before + 1, await Clusters.TokenCountAsync(app));
        Assert.Equal(1, warm.ExitCode);
        Assert.Empty(warm.Out);
        Assert.DoesNotContain("lk_", warm.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remove_finds_the_context_in_the_second_KUBECONFIG_file()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        var (a, b) = (Path.Combine(cli.Home, "a.yaml"), Path.Combine(cli.Home, "b.yaml"));
        await File.WriteAllTextAsync(a, Foreign("https://elsewhere.example.test").Replace("prod-1", "other", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        cli.Variables["KUBECONFIG"] = $"{a}:{b}";
        Assert.Equal(0, (await cli.RunAsync("kubeconfig", "get", "prod-1", "--exec", "--kubeconfig", b)).ExitCode);

        var removed = await cli.RunAsync("kubeconfig", "remove", "prod-1");

        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Contains($"from {b}.", removed.Out, StringComparison.Ordinal);
        Assert.Empty(KubeconfigFile.Load(b).Entries(KubeconfigSection.Contexts));
        Assert.NotNull(KubeconfigFile.Load(a).Find(KubeconfigSection.Contexts, "other"));
    }

    [Fact]
    public async Task Remove_keeps_a_user_that_a_context_of_another_KUBECONFIG_file_still_names()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        var (a, b) = (Path.Combine(cli.Home, "a.yaml"), Path.Combine(cli.Home, "b.yaml"));
        Assert.Equal(0, (await cli.RunAsync("kubeconfig", "get", "prod-1", "--exec", "--kubeconfig", b)).ExitCode);
        await File.WriteAllTextAsync(a, """
            apiVersion: v1
            kind: Config
            contexts:
            - name: prod-1-admin
              context:
                cluster: prod-1
                namespace: kube-system
                user: latchkey-exec-prod-1
            """, TestContext.Current.CancellationToken);
        cli.Variables["KUBECONFIG"] = $"{a}:{b}";

        var removed = await cli.RunAsync("kubeconfig", "remove", "prod-1");

        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Equal($"Removed context prod-1 from {b}.\n", removed.Out);
        Assert.NotNull(KubeconfigFile.Load(b).Find(KubeconfigSection.Users, "latchkey-exec-prod-1"));
        Assert.NotNull(KubeconfigFile.Load(b).Find(KubeconfigSection.Clusters, "prod-1"));
    }

    [Fact]
    public async Task An_exec_entry_written_before_provideClusterInfo_is_named_as_an_older_entry_to_remove()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        var path = Path.Combine(cli.Home, "config");
        Assert.Equal(0, (await cli.RunAsync("kubeconfig", "get", "prod-1", "--exec", "--kubeconfig", path)).ExitCode);
        await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken))
            .Replace("provideClusterInfo: true", "provideClusterInfo: false", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        var again = await cli.RunAsync("kubeconfig", "get", "prod-1", "--exec", "--kubeconfig", path);

        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"{path} already defines user 'latchkey-exec-prod-1' as an older Latchkey exec entry for prod-1", again.Error, StringComparison.Ordinal);
    }

    private static string ExecInfo(string server) => JsonSerializer.Serialize(new
    {
        apiVersion = "client.authentication.k8s.io/v1",
        kind = "ExecCredential",
        spec = new { cluster = new { server }, interactive = false },
    });

    private static string Foreign(string server) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: prod-1
          cluster:
            server: {server}
        contexts:
        - name: prod-1
          context:
            cluster: prod-1
            user: someone-else
        current-context: prod-1
        users:
        - name: someone-else
          user:
            token: not-a-latchkey-token
        """;

    private static string ForeignCluster(string server, string ca) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: prod-1
          cluster:
            server: {server}
            certificate-authority-data: {ca}
        """;

    private static IEnumerable<string> Users(JsonElement config) =>
        config.TryGetProperty("users", out var users) && users.ValueKind == JsonValueKind.Array
            ? users.EnumerateArray().Select(u => u.GetProperty("name").GetString()!)
            : [];

    private static async Task<JsonElement> Json(string kubectl, Dictionary<string, string> env, params string[] args)
    {
        var result = await CliProcess.RunAsync(kubectl, args, env);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)}\n{result}");
        return JsonDocument.Parse(result.Out).RootElement.Clone();
    }
}
