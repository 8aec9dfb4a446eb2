using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Iam;

/// <summary>
/// IAM changes take effect on the very next request at every door. The test clock never moves, so
/// no cache entry expires here: a door that answers differently after a change was told of it.
/// </summary>
public class NextRequestTests
{
    private const string Dev = "dev@example.test";

    [Fact]
    public async Task Leaving_groups_changes_token_review_groups_and_forward_auth_on_the_next_request()
    {
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1");
        using var admin = app.Client(await app.LoginAsync());
        var devToken = await app.AddUserAsync(Dev);
        var dev = await app.UserIdAsync(Dev);
        var viewers = await admin.CreateGroupAsync("viewers");
        var oncall = await admin.CreateGroupAsync("oncall");
        await admin.GrantAsync("group", viewers.Id, Roles.ClusterViewer);
        await admin.AddMemberAsync(viewers.Id, dev);
        await admin.AddMemberAsync(oncall.Id, dev);
        using var cluster = app.Client(webhook);
        using var proxy = app.Client(devToken);

        var groups = (await cluster.ReviewAsync(devToken)).Groups();
        Assert.Equal(["latchkey:authenticated", "latchkey:org:default", "latchkey:group:oncall", "latchkey:group:viewers", "latchkey:cluster-viewer"], groups);
        Assert.Equal(HttpStatusCode.OK, (await proxy.GetAsync("/auth/verify?scope=clusters:view")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/groups/{oncall.Id}/members/{dev}")).StatusCode);
        Assert.DoesNotContain("latchkey:group:oncall", (await cluster.ReviewAsync(devToken)).Groups());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/groups/{viewers.Id}/members/{dev}")).StatusCode);
        var review = await cluster.ReviewAsync(devToken);
        Assert.False(review.GetProperty("authenticated").GetBoolean());
        Assert.DoesNotContain("latchkey:cluster-viewer", review.Groups());
        Assert.Equal(HttpStatusCode.Forbidden, (await proxy.GetAsync("/auth/verify?scope=clusters:view")).StatusCode);
    }

    [Fact]
    public async Task Joining_a_group_and_renaming_it_show_on_the_next_request()
    {
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1");
        using var admin = app.Client(await app.LoginAsync());
        var devToken = await app.AddUserAsync(Dev);
        await app.GrantAsync(Dev, Roles.ClusterAdmin, "prod-1");
        var scrapers = await admin.CreateGroupAsync("scrapers");
        await admin.GrantAsync("group", scrapers.Id, Roles.MetricsReader);
        using var cluster = app.Client(webhook);
        using var proxy = app.Client(devToken);
        Assert.Equal(HttpStatusCode.Forbidden, (await proxy.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
        Assert.DoesNotContain("latchkey:group:scrapers", (await cluster.ReviewAsync(devToken)).Groups());

        await admin.AddMemberAsync(scrapers.Id, await app.UserIdAsync(Dev));
        Assert.Equal(HttpStatusCode.OK, (await proxy.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
        Assert.Contains("latchkey:group:scrapers", (await cluster.ReviewAsync(devToken)).Groups());

        await Api.ReadAsync<GroupInfo>(await admin.PatchAsJsonAsync($"/api/v1/groups/{scrapers.Id}", new GroupNameRequest("prometheus")));
        var groups = (await cluster.ReviewAsync(devToken)).Groups();
        Assert.Contains("latchkey:group:prometheus", groups);
        Assert.DoesNotContain("latchkey:group:scrapers", groups);
    }

    [Fact]
    public async Task Revoking_a_metrics_reader_policy_or_deleting_the_group_that_carries_it_refuses_forward_auth_on_the_next_request()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        var devToken = await app.AddUserAsync(Dev);
        var dev = await app.UserIdAsync(Dev);
        var group = await admin.CreateGroupAsync("scrapers");
        await admin.AddMemberAsync(group.Id, dev);
        var direct = Assert.Single(await admin.GrantAsync("user", dev, Roles.MetricsReader));
        await admin.GrantAsync("group", group.Id, Roles.LogsReader);
        using var proxy = app.Client(devToken);
        Assert.Equal(HttpStatusCode.OK, (await proxy.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await proxy.GetAsync("/auth/verify?scope=logs:read")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/policies/{direct.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await proxy.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await proxy.GetAsync("/auth/verify?scope=logs:read")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/groups/{group.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await proxy.GetAsync("/auth/verify?scope=logs:read")).StatusCode);
    }

    [Fact]
    public async Task A_disabled_users_token_fails_at_every_door_on_the_next_request_and_works_again_once_enabled()
    {
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1");
        using var admin = app.Client(await app.LoginAsync());
        var devToken = (await app.CreateTokenAsync(await app.AddUserAsync(Dev), new CreateTokenRequest("ci", ExpiresInDays: 30))).Secret;
        var dev = await app.UserIdAsync(Dev);
        var viewers = await admin.CreateGroupAsync("viewers");
        await admin.GrantAsync("group", viewers.Id, Roles.ClusterViewer, new ScopeRequest("cluster", Name: "prod-1"));
        await admin.AddMemberAsync(viewers.Id, dev);
        using var cluster = app.Client(webhook);
        using var client = app.Client(devToken);

        async Task<(HttpStatusCode Api, bool Review, HttpStatusCode Proxy)> DoorsAsync() => (
            (await client.GetAsync("/api/v1/whoami")).StatusCode,
            (await cluster.ReviewAsync(devToken)).GetProperty("authenticated").GetBoolean(),
            (await client.GetAsync("/auth/verify")).StatusCode);

        Assert.Equal((HttpStatusCode.OK, true, HttpStatusCode.OK), await DoorsAsync());

        await Api.ReadAsync<MemberSummary>(await admin.PostAsync($"/api/v1/users/{dev}/disable", null));
        Assert.Equal((HttpStatusCode.Unauthorized, false, HttpStatusCode.Unauthorized), await DoorsAsync());
        Assert.Contains("user disabled", (await cluster.ReviewAsync(devToken)).GetProperty("error").GetString(), StringComparison.Ordinal);

        await Api.ReadAsync<MemberSummary>(await admin.PostAsync($"/api/v1/users/{dev}/enable", null));
        Assert.Equal((HttpStatusCode.OK, true, HttpStatusCode.OK), await DoorsAsync());
    }
}
