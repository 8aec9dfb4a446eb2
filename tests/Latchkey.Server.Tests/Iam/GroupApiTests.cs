using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Iam;

public class GroupApiTests
{
    [Fact]
    public async Task An_admin_creates_lists_renames_and_deletes_a_group_and_each_change_is_audited()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());

        var created = await admin.CreateGroupAsync("Platform");
        Assert.Equal("Platform", created.Name);
        Assert.Empty(created.Members);
        Assert.Equal("Platform", Assert.Single(await Api.ReadAsync<List<GroupInfo>>(await admin.GetAsync("/api/v1/groups"))).Name);

        var renamed = await Api.ReadAsync<GroupInfo>(await admin.PatchAsJsonAsync($"/api/v1/groups/{created.Id}", new GroupNameRequest("platform-team")));
        Assert.Equal("platform-team", renamed.Name);
        Assert.Equal("platform-team", (await Api.ReadAsync<GroupInfo>(await admin.GetAsync($"/api/v1/groups/{created.Id}"))).Name);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/groups/{created.Id}")).StatusCode);
        await Api.AssertProblemAsync(await admin.GetAsync($"/api/v1/groups/{created.Id}"), HttpStatusCode.NotFound);
        Assert.Empty(await Api.ReadAsync<List<GroupInfo>>(await admin.GetAsync("/api/v1/groups")));

        Assert.Equal("Platform", Assert.Single(await app.AuditedAsync("group.create")).TargetId);
        var rename = Assert.Single(await app.AuditedAsync("group.rename"));
        Assert.Equal("platform-team", rename.TargetId);
        Assert.Contains("Platform", rename.Detail, StringComparison.Ordinal);
        var delete = Assert.Single(await app.AuditedAsync("group.delete"));
        Assert.Equal(TestApp.AdminEmail, delete.ActorEmail);
        Assert.Equal("success", delete.Outcome);
    }

    [Fact]
    public async Task Members_are_added_listed_and_removed_and_each_change_is_audited()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        await app.AddUserAsync("dev@example.test");
        var dev = await app.UserIdAsync("dev@example.test");
        var group = await admin.CreateGroupAsync("developers");

        await admin.AddMemberAsync(group.Id, dev);
        // Adding someone who is already in the group changes nothing and is not an error.
        await admin.AddMemberAsync(group.Id, dev);
        var member = Assert.Single((await Api.ReadAsync<GroupInfo>(await admin.GetAsync($"/api/v1/groups/{group.Id}"))).Members);
        Assert.Equal("dev@example.test", member.Email);
        var listed = Assert.Single(await Api.ReadAsync<List<MemberSummary>>(await admin.GetAsync("/api/v1/users")), u => u.Id == dev);
        Assert.Equal("developers", Assert.Single(listed.Groups).Name);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/groups/{group.Id}/members/{dev}")).StatusCode);
        Assert.Empty((await Api.ReadAsync<GroupInfo>(await admin.GetAsync($"/api/v1/groups/{group.Id}"))).Members);
        await Api.AssertProblemAsync(await admin.DeleteAsync($"/api/v1/groups/{group.Id}/members/{dev}"), HttpStatusCode.NotFound);

        var added = Assert.Single(await app.AuditedAsync("group.member.add"), e => e.Outcome == "success");
        Assert.Equal("developers", added.TargetId);
        Assert.Contains("dev@example.test", added.Detail, StringComparison.Ordinal);
        Assert.Single(await app.AuditedAsync("group.member.remove"), e => e.Outcome == "success" && e.Detail!.Contains("dev@example.test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deleting_a_group_deletes_its_memberships_and_the_policies_granted_to_it()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        await app.AddClusterAsync("prod-1");
        await app.AddUserAsync("dev@example.test");
        var group = await admin.CreateGroupAsync("developers");
        await admin.AddMemberAsync(group.Id, await app.UserIdAsync("dev@example.test"));
        await admin.GrantAsync("group", group.Id, Roles.ClusterViewer, new ScopeRequest("cluster", Name: "prod-1"));
        await admin.GrantAsync("group", group.Id, Roles.MetricsReader);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/groups/{group.Id}")).StatusCode);

        Assert.Equal(0, await app.WithStoreAsync(db => Task.FromResult(db.GroupMembers.Count())));
        Assert.Equal(0, await app.WithStoreAsync(db => Task.FromResult(db.AccessPolicies.Count(p => p.PrincipalId == group.Id))));
        Assert.Contains("1 member(s) and 2 access policy(ies)", Assert.Single(await app.AuditedAsync("group.delete")).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Group_names_are_unique_without_case_but_a_group_may_change_the_case_of_its_own_name()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        var ops = await admin.CreateGroupAsync("ops");
        var dev = await admin.CreateGroupAsync("dev");

        var taken = await Api.AssertProblemAsync(await admin.PostAsJsonAsync("/api/v1/groups", new GroupNameRequest("OPS")), HttpStatusCode.Conflict);
        Assert.Contains("already exists", taken.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Api.AssertProblemAsync(await admin.PatchAsJsonAsync($"/api/v1/groups/{dev.Id}", new GroupNameRequest("Ops")), HttpStatusCode.Conflict);
        Assert.Equal("Ops", (await Api.ReadAsync<GroupInfo>(await admin.PatchAsJsonAsync($"/api/v1/groups/{ops.Id}", new GroupNameRequest("Ops")))).Name);
    }

    [Fact]
    public async Task A_member_without_iam_manage_cannot_see_or_change_groups_and_the_attempts_are_audited()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        var group = await admin.CreateGroupAsync("ops");
        using var member = app.Client(await app.AddUserAsync("dev@example.test", role: Roles.ClusterAdmin));
        var self = await app.UserIdAsync("dev@example.test");
        var before = await app.RowCountsAsync();

        await Api.AssertProblemAsync(await member.GetAsync("/api/v1/groups"), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await member.GetAsync($"/api/v1/groups/{group.Id}"), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await member.PostAsJsonAsync("/api/v1/groups", new GroupNameRequest("mine")), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await member.PatchAsJsonAsync($"/api/v1/groups/{group.Id}", new GroupNameRequest("mine")), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await member.PutAsync($"/api/v1/groups/{group.Id}/members/{self}", null), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await member.DeleteAsync($"/api/v1/groups/{group.Id}"), HttpStatusCode.Forbidden);

        Assert.Equal(before, await app.RowCountsAsync());
        Assert.Equal(4, (await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Where(e => e.ActorEmail == "dev@example.test" && e.Outcome == "denied").ToList()))).Count);
    }
}
