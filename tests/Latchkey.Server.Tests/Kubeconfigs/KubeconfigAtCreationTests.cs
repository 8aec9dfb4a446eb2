using System.Net;
using System.Net.Http.Json;
using System.Text;
using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Kubeconfigs;

public class KubeconfigAtCreationTests
{
    internal static readonly string CaData = TestCertificate.PemBase64(TestCertificate.Create());

    internal static async Task AddClusterAsync(HttpClient admin, string name, string? ca = null, string? ns = null) =>
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/clusters",
            new CreateClusterRequest(name, $"https://{name}.k8s.eu-1.example.test:6443", ca, "eu-1", ns))).StatusCode);

    [Fact]
    public async Task Create_with_a_kubeconfig_returns_one_for_that_cluster_holding_the_new_secret()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        await AddClusterAsync(admin, "prod-1", CaData, "team-a");

        var response = await admin.PostAsJsonAsync("/api/v1/tokens",
            new CreateTokenRequest("CI deploy (prod)", Kubeconfig: new KubeconfigRequest("prod-1")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var created = await Api.ReadAsync<CreatedToken>(response);
        var config = Kubeconfig.Parse(created.Kubeconfig!, "response");
        var cluster = Assert.Single(config.Entries(KubeconfigSection.Clusters));
        var context = Assert.Single(config.Entries(KubeconfigSection.Contexts));
        var user = Assert.Single(config.Entries(KubeconfigSection.Users));
        Assert.Equal("prod-1", cluster.Name);
        Assert.Equal("https://prod-1.k8s.eu-1.example.test:6443", cluster["server"]);
        Assert.Equal(CaData, cluster["certificate-authority-data"]);
        Assert.Equal("prod-1-ci-deploy-prod", context.Name);
        Assert.Equal("prod-1", context["cluster"]);
        Assert.Equal("team-a", context["namespace"]);
        Assert.Equal($"latchkey-{created.Id}-ci-deploy-prod", user.Name);
        Assert.Equal(user.Name, context["user"]);
        Assert.Equal(created.Secret, user["token"]);
        Assert.Equal(context.Name, config.CurrentContext);

        using var withToken = app.Client(user["token"]);
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/api/v1/whoami")).StatusCode);
    }

    [Fact]
    public async Task Create_without_a_kubeconfig_has_no_kubeconfig_field()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());

        var body = await (await admin.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("plain"))).Content.ReadAsStringAsync();

        Assert.DoesNotContain("kubeconfig", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Cluster_without_ca_data_gets_a_kubeconfig_without_it_and_the_default_namespace()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        await AddClusterAsync(admin, "dev");

        var created = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("x", Kubeconfig: new KubeconfigRequest("dev")));

        var config = Kubeconfig.Parse(created.Kubeconfig!, "response");
        Assert.Null(Assert.Single(config.Entries(KubeconfigSection.Clusters))["certificate-authority-data"]);
        Assert.Equal("default", Assert.Single(config.Entries(KubeconfigSection.Contexts))["namespace"]);
    }

    [Fact]
    public async Task Unknown_cluster_is_a_404_and_creates_no_token()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        var before = await TokenCountAsync(app);

        var problem = await Api.AssertProblemAsync(await admin.PostAsJsonAsync("/api/v1/tokens",
            new CreateTokenRequest("x", Kubeconfig: new KubeconfigRequest("nope"))), HttpStatusCode.NotFound);

        Assert.Contains("'nope'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await TokenCountAsync(app));
        Assert.Equal(1, await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Count(e => e.Action == "token.create" && e.Outcome == "denied"))));
    }

    [Fact]
    public async Task Cluster_the_member_may_not_use_is_a_404_until_a_policy_grants_it()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        await AddClusterAsync(admin, "prod-1");
        using var member = app.Client(await app.AddUserAsync("m@example.test"));
        var before = await TokenCountAsync(app);

        await Api.AssertProblemAsync(await member.PostAsJsonAsync("/api/v1/tokens",
            new CreateTokenRequest("x", Kubeconfig: new KubeconfigRequest("prod-1"))), HttpStatusCode.NotFound);
        Assert.Equal(before, await TokenCountAsync(app));

        await GrantClusterViewerAsync(app, "m@example.test", "prod-1");
        var response = await member.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("x", Kubeconfig: new KubeconfigRequest("prod-1")));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"name":"x","kubeconfig":{}}""")]
    [InlineData("""{"name":"x","kubeconfig":{"cluster":" "}}""")]
    public async Task Kubeconfig_without_a_cluster_is_a_400_and_creates_nothing(string body)
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        var before = await TokenCountAsync(app);

        var problem = await Api.AssertProblemAsync(
            await admin.PostAsync("/api/v1/tokens", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);

        Assert.Contains("kubeconfig.cluster", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await TokenCountAsync(app));
    }

    internal static Task<int> TokenCountAsync(TestApp app) => app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Count()));

    internal static Task GrantClusterViewerAsync(TestApp app, string email, string cluster) => app.GrantAsync(email, Roles.ClusterViewer, cluster);
}
