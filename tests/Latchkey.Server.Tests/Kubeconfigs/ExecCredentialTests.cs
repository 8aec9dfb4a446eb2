using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Kubeconfigs;

public class ExecCredentialTests
{
    [Fact]
    public async Task Credential_is_a_one_hour_token_of_the_caller_that_authenticates_and_is_audited()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        var webhook = await app.AddClusterAsync("prod-1");

        var response = await admin.PostAsync("/api/v1/clusters/prod-1/credentials", null);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var credential = await Api.ReadAsync<ClusterToken>(response);
        Assert.Equal(app.Time.GetUtcNow().AddHours(1), credential.ExpiresAt);
        using var cluster = app.Client(webhook);
        var user = (await Reviews.TokenReviewAsync(cluster, credential.Token)).GetProperty("user");
        Assert.Equal(TestApp.AdminEmail, user.GetProperty("username").GetString());
        Assert.Equal(credential.TokenId, user.GetProperty("extra").GetProperty(Reviews.TokenIdExtra)[0].GetString());

        var token = await Api.ReadAsync<TokenInfo>(await admin.GetAsync($"/api/v1/tokens/{credential.TokenId}"));
        Assert.Equal("exec", token.CreatedVia);
        Assert.Equal(1, await app.WithStoreAsync(db => Task.FromResult(
            db.AuditEvents.Count(e => e.Action == "cluster.credential" && e.Outcome == "success" && e.TargetId == credential.TokenId))));

        app.Time.Advance(TimeSpan.FromHours(1));
        Assert.False(await Reviews.AuthenticatesAsync(cluster, credential.Token));
    }

    [Fact]
    public async Task Credential_never_outlives_the_token_that_asked_for_it()
    {
        await using var app = await TestApp.StartAsync();
        var login = await app.LoginAsync();
        using var admin = app.Client(login);
        await KubeconfigAtCreationTests.AddClusterAsync(admin, "prod-1");
        var shortLived = await app.CreateTokenAsync(login, new CreateTokenRequest("short", ExpiresAt: app.Time.GetUtcNow().AddMinutes(10)));
        using var client = app.Client(shortLived.Secret);

        var credential = await Api.ReadAsync<ClusterToken>(await client.PostAsync("/api/v1/clusters/prod-1/credentials", null));

        Assert.Equal(shortLived.ExpiresAt, credential.ExpiresAt);
    }

    [Fact]
    public async Task Unknown_or_forbidden_cluster_is_a_404_that_mints_nothing()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        await KubeconfigAtCreationTests.AddClusterAsync(admin, "prod-1");
        using var member = app.Client(await app.AddUserAsync("m@example.test"));
        var before = await KubeconfigAtCreationTests.TokenCountAsync(app);

        await Api.AssertProblemAsync(await admin.PostAsync("/api/v1/clusters/nope/credentials", null), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await member.PostAsync("/api/v1/clusters/prod-1/credentials", null), HttpStatusCode.NotFound);
        Assert.Equal(before, await KubeconfigAtCreationTests.TokenCountAsync(app));

        await KubeconfigAtCreationTests.GrantClusterViewerAsync(app, "m@example.test", "prod-1");
        Assert.Equal(HttpStatusCode.Created, (await member.PostAsync("/api/v1/clusters/prod-1/credentials", null)).StatusCode);
    }

    [Fact]
    public async Task Credential_needs_a_bearer_token()
    {
        await using var app = await TestApp.StartAsync();
        using var anonymous = app.Client();

        await Api.AssertProblemAsync(await anonymous.PostAsync("/api/v1/clusters/prod-1/credentials", null), HttpStatusCode.Unauthorized);
    }
}
