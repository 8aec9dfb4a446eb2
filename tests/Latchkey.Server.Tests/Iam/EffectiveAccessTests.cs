using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Iam;

public class EffectiveAccessTests
{
    private const string Jane = "jane@example.test";

    [Fact]
    public async Task A_users_access_lists_each_permission_where_it_holds_and_the_policy_behind_it()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddClusterAsync("prod-1");
        await app.AddClusterAsync("prod-2");
        var jane = await app.AddUserAsync(Jane, role: Roles.MetricsReader);
        await app.GrantAsync(Jane, Roles.ClusterViewer, "prod-1");
        using var client = app.Client(jane);

        var access = await Api.ReadAsync<EffectiveAccess>(await client.GetAsync("/api/v1/users/me/access"));

        Assert.Equal(Jane, access.Email);
        Assert.Equal(
            ["clusters:view@cluster:prod-1", "metrics:read@organization:", "tokens:own@organization:"],
            access.Grants.Select(g => $"{g.Permission}@{g.Scope.Type}:{g.Scope.Name}"));
        Assert.Equal(Roles.ClusterViewer, Assert.Single(access.Grants[0].Via).Role);

        // What the page says is what the doors do.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/auth/verify?scope=logs:read")).StatusCode);
    }

    [Fact]
    public async Task A_tokens_access_is_its_owners_narrowed_by_its_scopes()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddClusterAsync("prod-1");
        await app.AddClusterAsync("prod-2");
        var jane = await app.AddUserAsync(Jane, role: Roles.ClusterAdmin);
        var scoped = await app.CreateTokenAsync(jane, new CreateTokenRequest("ci", Scopes: ["clusters:view:prod-2"]));
        using var client = app.Client(jane);

        var access = await Api.ReadAsync<EffectiveAccess>(await client.GetAsync($"/api/v1/tokens/{scoped.Id}/access"));

        Assert.Equal(["clusters:view:prod-2"], access.TokenScopes);
        var grant = Assert.Single(access.Grants);
        Assert.Equal(("clusters:view", "cluster", "prod-2"), (grant.Permission, grant.Scope.Type, grant.Scope.Name));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/tokens/{scoped.Id}")).StatusCode);
        Assert.Empty((await Api.ReadAsync<EffectiveAccess>(await client.GetAsync($"/api/v1/tokens/{scoped.Id}/access"))).Grants);
    }

    [Fact]
    public async Task Only_iam_managers_see_other_members_access()
    {
        await using var app = await TestApp.StartAsync();
        var jane = await app.AddUserAsync(Jane);
        var bob = await app.AddUserAsync("bob@example.test");
        var bobId = await app.WithStoreAsync(db => Task.FromResult(db.Users.Single(u => u.Email == "bob@example.test").Id));
        var bobToken = await app.CreateTokenAsync(bob, new CreateTokenRequest("b"));

        await Api.AssertProblemAsync(await app.Client(jane).GetAsync($"/api/v1/users/{bobId}/access"), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await app.Client(jane).GetAsync($"/api/v1/tokens/{bobToken.Id}/access"), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await app.Client(jane).GetAsync("/api/v1/users/not-a-guid/access"), HttpStatusCode.NotFound);

        using var admin = app.Client(await app.LoginAsync());
        var seen = await Api.ReadAsync<EffectiveAccess>(await admin.GetAsync($"/api/v1/users/{bobId}/access"));
        Assert.Equal("bob@example.test", seen.Email);
        Assert.Equal(Permissions.TokensOwn, Assert.Single(seen.Grants).Permission);
    }
}
