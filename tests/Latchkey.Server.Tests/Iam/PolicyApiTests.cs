using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Iam;

public class PolicyApiTests
{
    [Fact]
    public async Task Policies_are_granted_on_each_kind_of_scope_listed_with_filters_shown_and_revoked_with_audit_events()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        await app.AddClusterAsync("prod-1");
        await app.AddUserAsync("dev@example.test");
        var dev = await app.UserIdAsync("dev@example.test");
        var group = await admin.CreateGroupAsync("ops");
        var vpc = await admin.CreateVpcAsync("prod-eu");

        var onOrg = Assert.Single(await admin.GrantAsync("user", dev, Roles.TokenViewer));
        var onCluster = Assert.Single(await admin.GrantAsync("group", group.Id, Roles.ClusterAdmin, new ScopeRequest("cluster", Name: "prod-1")));
        var onVpc = Assert.Single(await admin.GrantAsync("user", dev, Roles.VpcViewer, new ScopeRequest("vpc", vpc.Id)));

        Assert.Equal(new PolicyPrincipal("user", dev, "dev@example.test"), onOrg.Principal);
        Assert.Equal(new PolicyScope("organization", null, null), onOrg.Scope);
        Assert.Equal(new PolicyPrincipal("group", group.Id, "ops"), onCluster.Principal);
        Assert.Equal(("cluster", "prod-1"), (onCluster.Scope.Type, onCluster.Scope.Name));
        Assert.Equal(new PolicyScope("vpc", vpc.Id, "prod-eu"), onVpc.Scope);

        async Task<Guid[]> ListAsync(string query) =>
            [.. (await Api.ReadAsync<List<PolicyInfo>>(await admin.GetAsync($"/api/v1/policies{query}"))).Select(p => p.Id)];
        Assert.Equal(4, (await ListAsync("")).Length); // and the bootstrap admin's org-admin
        Assert.Equal([onOrg.Id, onVpc.Id], await ListAsync($"?principalType=user&principalId={dev}"));
        Assert.Equal([onCluster.Id], await ListAsync("?principalType=group"));
        Assert.Equal([onVpc.Id], await ListAsync("?role=vpc-viewer"));
        Assert.Equal([onCluster.Id], await ListAsync($"?scopeType=cluster&scopeId={onCluster.Scope.Id}"));
        Assert.Equal(onVpc, await Api.ReadAsync<PolicyInfo>(await admin.GetAsync($"/api/v1/policies/{onVpc.Id}")));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/policies/{onCluster.Id}")).StatusCode);
        await Api.AssertProblemAsync(await admin.GetAsync($"/api/v1/policies/{onCluster.Id}"), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await admin.DeleteAsync($"/api/v1/policies/{onCluster.Id}"), HttpStatusCode.NotFound);

        var granted = await app.AuditedAsync("policy.create");
        Assert.Equal([onOrg.Id.ToString(), onCluster.Id.ToString(), onVpc.Id.ToString()], granted.Select(e => e.TargetId));
        Assert.Equal("cluster-admin for group ops on cluster prod-1", granted[1].Detail);
        var revoked = Assert.Single(await app.AuditedAsync("policy.delete"), e => e.Outcome == "success");
        Assert.Equal("cluster-admin for group ops on cluster prod-1", revoked.Detail);
    }

    [Fact]
    public async Task A_legacy_preset_grants_the_roles_it_maps_to_all_or_nothing()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        await app.AddUserAsync("dev@example.test");
        var dev = await app.UserIdAsync("dev@example.test");
        PrincipalRequest principal = new("user", dev);

        var read = await admin.GrantAsync(new CreatePolicyRequest(principal, new ScopeRequest("organization"), Preset: "read"));
        Assert.Equal([Roles.ClusterViewer, Roles.VpcViewer], read.Select(p => p.Role));
        Assert.Contains("(preset read)", (await app.AuditedAsync("policy.create"))[0].Detail, StringComparison.Ordinal);

        await admin.GrantAsync("user", dev, Roles.TokenAdmin);
        var before = await app.RowCountsAsync();
        var conflict = await Api.AssertProblemAsync(
            await admin.PostAsJsonAsync("/api/v1/policies", new CreatePolicyRequest(principal, new ScopeRequest("organization"), Preset: "write")), HttpStatusCode.Conflict);
        Assert.Contains("already holds token-admin", conflict.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await app.RowCountsAsync());

        var metrics = await admin.GrantAsync(new CreatePolicyRequest(principal, new ScopeRequest("organization"), Preset: "metrics"));
        Assert.Equal(Roles.MetricsReader, Assert.Single(metrics).Role);
    }

    [Fact]
    public async Task The_last_active_org_admin_cannot_be_revoked_disabled_or_taken_out_of_the_group_that_makes_them_admin()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        var adminId = await app.UserIdAsync(TestApp.AdminEmail);
        var own = Assert.Single(await Api.ReadAsync<List<PolicyInfo>>(await admin.GetAsync($"/api/v1/policies?principalId={adminId}")));

        var refused = await Api.AssertProblemAsync(await admin.DeleteAsync($"/api/v1/policies/{own.Id}"), HttpStatusCode.Conflict);
        Assert.Contains("without an active org-admin", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Admin through a group instead: the group and the membership now carry it.
        var admins = await admin.CreateGroupAsync("admins");
        await admin.AddMemberAsync(admins.Id, adminId);
        await admin.GrantAsync("group", admins.Id, Roles.OrgAdmin);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/policies/{own.Id}")).StatusCode);
        var before = await app.RowCountsAsync();
        await Api.AssertProblemAsync(await admin.DeleteAsync($"/api/v1/groups/{admins.Id}/members/{adminId}"), HttpStatusCode.Conflict);
        await Api.AssertProblemAsync(await admin.DeleteAsync($"/api/v1/groups/{admins.Id}"), HttpStatusCode.Conflict);
        Assert.Equal(before, await app.RowCountsAsync());

        // A second admin who is disabled does not count; once enabled, the first may step down.
        await app.AddUserAsync("second@example.test", role: Roles.OrgAdmin);
        var second = await app.UserIdAsync("second@example.test");
        await Api.ReadAsync<MemberSummary>(await admin.PostAsync($"/api/v1/users/{second}/disable", null));
        await Api.AssertProblemAsync(await admin.DeleteAsync($"/api/v1/groups/{admins.Id}"), HttpStatusCode.Conflict);
        await Api.ReadAsync<MemberSummary>(await admin.PostAsync($"/api/v1/users/{second}/enable", null));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/groups/{admins.Id}")).StatusCode);

        using var secondAdmin = app.Client(await app.LoginAsync("second@example.test", "pw-second@example.test"));
        await Api.AssertProblemAsync(await secondAdmin.PostAsync($"/api/v1/users/{second}/disable", null), HttpStatusCode.Conflict);
    }
}
