using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Kubeconfigs;

/// <summary>The files Latchkey writes, read by the real kubectl and by the official .NET client.</summary>
public class KubectlTests
{
    [Fact]
    public async Task Both_forms_are_accepted_by_kubectl_alone_and_merged_through_KUBECONFIG()
    {
        var kubectl = Requires.Program("kubectl");
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1", ca: SelfSignedCaData());
        await Clusters.AddAsync(app, "dev-1");
        var a = Path.Combine(cli.Home, "a.yaml");
        var b = Path.Combine(cli.Home, "b.yaml");
        Assert.Equal(0, (await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", "CI laptop", "--kubeconfig", a)).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("kubeconfig", "get", "dev-1", "--exec", "--kubeconfig", b)).ExitCode);
        var env = CliProcess.Environment(cli.Home);

        var view = await Run(kubectl, env, "--kubeconfig", a, "config", "view");
        Assert.Contains("token: REDACTED", view, StringComparison.Ordinal);
        Assert.Contains("certificate-authority-data: DATA+OMITTED", view, StringComparison.Ordinal);
        Assert.Contains("prod-1-ci-laptop", await Run(kubectl, env, "--kubeconfig", a, "config", "get-contexts"), StringComparison.Ordinal);
        Assert.Equal("prod-1-ci-laptop\n", await Run(kubectl, env, "--kubeconfig", a, "config", "current-context"));
        Assert.Contains("command: latchkey", await Run(kubectl, env, "--kubeconfig", b, "config", "view"), StringComparison.Ordinal);
        Assert.Equal("dev-1\n", await Run(kubectl, env, "--kubeconfig", b, "config", "current-context"));

        env["KUBECONFIG"] = $"{a}:{b}";
        Assert.Equal("dev-1\nprod-1-ci-laptop\n", await Run(kubectl, env, "config", "get-contexts", "-o", "name"));
        await Run(kubectl, env, "config", "use-context", "dev-1");
        Assert.Equal("dev-1\n", await Run(kubectl, env, "config", "current-context"));
        var merged = JsonDocument.Parse(await Run(kubectl, env, "config", "view", "--raw", "-o", "json")).RootElement;
        var users = merged.GetProperty("users").EnumerateArray().ToDictionary(u => u.GetProperty("name").GetString()!, u => u.GetProperty("user"));
        Assert.Equal(["credential", "--cluster", "dev-1"], users["latchkey-exec-dev-1"].GetProperty("exec").GetProperty("args").EnumerateArray().Select(x => x.GetString()));
        Assert.StartsWith("lk_", Assert.Single(users, u => u.Key.EndsWith("-ci-laptop", StringComparison.Ordinal)).Value.GetProperty("token").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Both_forms_load_in_the_official_dotnet_client()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1", ca: SelfSignedCaData());
        var a = Path.Combine(cli.Home, "a.yaml");
        var b = Path.Combine(cli.Home, "b.yaml");
        Assert.Equal(0, (await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", "laptop", "--kubeconfig", a)).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("kubeconfig", "get", "prod-1", "--exec", "--kubeconfig", b)).ExitCode);

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(a);
        Assert.Equal("https://prod-1.k8s.eu-1.example.test:6443", config.Host);
        Assert.Equal("team-a", config.Namespace);
        Assert.Equal(KubeconfigFile.Load(a).Entries(KubeconfigSection.Users)[0]["token"], config.AccessToken);
        Assert.Single(config.SslCaCerts);

        var exec = Assert.Single(KubernetesClientConfiguration.LoadKubeConfig(b).Users).UserCredentials.ExternalExecution;
        Assert.Equal("client.authentication.k8s.io/v1", exec.ApiVersion);
        Assert.Equal("latchkey", exec.Command);
        Assert.Equal(["credential", "--cluster", "prod-1"], exec.Arguments);
    }

    [Fact]
    public async Task With_the_exec_form_kubectl_runs_latchkey_credential_and_sends_a_short_lived_token_the_server_accepts()
    {
        var kubectl = Requires.Program("kubectl");
        await using var kubernetes = await FakeKubernetesApi.StartAsync();
        await using var app = await TestApp.StartAsync();
        // latchkey runs as kubectl's child on the real clock: the server's clock must agree for the credential cache to apply.
        if (DateTimeOffset.UtcNow > app.Time.GetUtcNow())
        {
            app.Time.SetUtcNow(DateTimeOffset.UtcNow);
        }

        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "kind-1", server: kubernetes.Address.ToString().TrimEnd('/'), ca: kubernetes.CaData);
        Assert.Equal(0, (await cli.RunAsync("kubeconfig", "get", "kind-1", "--exec")).ExitCode);
        var env = CliProcess.Environment(cli.Home);

        var body = await Run(kubectl, env, "get", "--raw", "/api/v1/namespaces");
        await Run(kubectl, env, "get", "--raw", "/api/v1/namespaces");

        Assert.Contains("NamespaceList", body, StringComparison.Ordinal);
        // Every request of both kubectl runs carried the same token: the second run reused the cached credential.
        var headers = kubernetes.Authorizations.ToList();
        Assert.True(headers.Count >= 2, string.Join('\n', headers));
        Assert.StartsWith("Bearer lk_", headers[0], StringComparison.Ordinal);
        Assert.All(headers, h => Assert.Equal(headers[0], h));
        // An exec credential works at the Kubernetes door only: the cluster's TokenReview accepts it, the API does not.
        var sent = headers[0]["Bearer ".Length..];
        using var admin = app.Client(await app.LoginAsync());
        var wiring = await Api.ReadAsync<WebhookConfig>(await admin.GetAsync("/api/v1/clusters/kind-1/webhook-config"));
        using var webhook = app.Client(System.Text.RegularExpressions.Regex.Match(wiring.AuthenticationConfig, @"token: (lk_\w+)").Groups[1].Value);
        var review = await webhook.PostAsJsonAsync("/apis/authentication.k8s.io/v1/tokenreviews",
            new { apiVersion = "authentication.k8s.io/v1", kind = "TokenReview", spec = new { token = sent } });
        var status = JsonDocument.Parse(await review.Content.ReadAsStringAsync()).RootElement.GetProperty("status");
        Assert.True(status.GetProperty("authenticated").GetBoolean(), status.ToString());
        Assert.Equal(TestApp.AdminEmail, status.GetProperty("user").GetProperty("username").GetString());
        using var atTheApi = app.Client(sent);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await atTheApi.GetAsync("/api/v1/whoami")).StatusCode);
        var exec = await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Where(t => t.CreatedVia == "exec").ToList()));
        Assert.Equal(app.Time.GetUtcNow().AddHours(1), Assert.Single(exec).ExpiresAt);
    }

    [Fact]
    public async Task Credential_prints_an_ExecCredential_that_matches_the_upstream_format()
    {
        var credential = new ClusterToken("lk_fake_test_token_not_a_secret", "0123456789abcdef", new DateTimeOffset(2026, 11, 28, 13, 0, 0, TimeSpan.Zero));

        var json = JsonSerializer.Serialize(Latchkey.Cli.Commands.CredentialCommand.Describe(credential), CliJson.Default.ExecCredential);

        Assert.Equal(await File.ReadAllTextAsync(KubeconfigCommandTests.Asset("exec-credential.json")), json + "\n");
    }

    [Fact]
    public async Task Credential_for_a_cluster_the_user_may_not_use_fails_on_stderr_with_exit_1()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();

        var result = await cli.RunAsync("credential", "--cluster", "nope");

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Out);
        Assert.StartsWith("error: No cluster", result.Error, StringComparison.Ordinal);
    }

    private static async Task<string> Run(string program, Dictionary<string, string> env, params string[] args)
    {
        var result = await CliProcess.RunAsync(program, args, env);
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', args)}\n{result}");
        return result.Out;
    }

    private static string SelfSignedCaData()
    {
        using var certificate = FakeKubernetesApi.SelfSigned("127.0.0.1");
        return FakeKubernetesApi.PemData(certificate);
    }
}
