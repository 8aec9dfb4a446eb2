using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Iam;

/// <summary>Another organization's admin against organization A's users, groups, policies and VPCs: 404 everywhere, nothing listed, nothing changed.</summary>
public class IamIsolationTests
{
    [Fact]
    public async Task Another_organizations_admin_cannot_see_or_change_any_iam_object_by_id()
    {
        await using var app = await TestApp.StartAsync();
        using var adminA = app.Client(await app.LoginAsync());
        await app.AddClusterAsync("prod-1");
        await app.AddUserAsync("dev@example.test");
        var devA = await app.UserIdAsync("dev@example.test");
        var groupA = await adminA.CreateGroupAsync("ops");
        await adminA.AddMemberAsync(groupA.Id, devA);
        var vpcA = await adminA.CreateVpcAsync("prod-eu");
        var policyA = Assert.Single(await adminA.GrantAsync("group", groupA.Id, Roles.VpcViewer, new ScopeRequest("vpc", vpcA.Id)));
        var other = await app.AddOrganizationAsync("other");
        using var adminB = app.Client(await app.AddUserAsync("admin@other.test", other, Roles.OrgAdmin));
        var userB = await app.UserIdAsync("admin@other.test");
        var groupB = await adminB.CreateGroupAsync("ops");
        var before = await app.RowCountsAsync();

        foreach (var (method, path) in new[]
        {
            ("GET", $"/api/v1/users/{devA}"),
            ("POST", $"/api/v1/users/{devA}/disable"),
            ("POST", $"/api/v1/users/{devA}/enable"),
            ("GET", $"/api/v1/groups/{groupA.Id}"),
            ("PATCH", $"/api/v1/groups/{groupA.Id}"),
            ("DELETE", $"/api/v1/groups/{groupA.Id}"),
            ("PUT", $"/api/v1/groups/{groupA.Id}/members/{userB}"),
            ("DELETE", $"/api/v1/groups/{groupA.Id}/members/{devA}"),
            ("PUT", $"/api/v1/groups/{groupB.Id}/members/{devA}"),
            ("GET", $"/api/v1/policies/{policyA.Id}"),
            ("DELETE", $"/api/v1/policies/{policyA.Id}"),
            ("GET", $"/api/v1/vpcs/{vpcA.Id}"),
            ("DELETE", $"/api/v1/vpcs/{vpcA.Id}"),
        })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path)
            {
                Content = method == "PATCH" ? JsonContent.Create(new GroupNameRequest("mine")) : null,
            };
            await Api.AssertProblemAsync(await adminB.SendAsync(request), HttpStatusCode.NotFound);
        }

        // Lists hold only B's own objects, whatever the filter.
        Assert.Equal(["admin@other.test"], (await Api.ReadAsync<List<MemberSummary>>(await adminB.GetAsync("/api/v1/users"))).Select(m => m.Email));
        Assert.Equal([groupB.Id], (await Api.ReadAsync<List<GroupInfo>>(await adminB.GetAsync("/api/v1/groups"))).Select(g => g.Id));
        Assert.Empty(await Api.ReadAsync<List<VpcInfo>>(await adminB.GetAsync("/api/v1/vpcs")));
        Assert.Empty(await Api.ReadAsync<List<PolicyInfo>>(await adminB.GetAsync($"/api/v1/policies?principalId={groupA.Id}")));
        Assert.DoesNotContain(await Api.ReadAsync<List<PolicyInfo>>(await adminB.GetAsync("/api/v1/policies")), p => p.Id == policyA.Id);

        // A's ids in a grant are answered exactly as ids that exist nowhere.
        foreach (var (principal, scope) in new (PrincipalRequest, ScopeRequest)[]
        {
            (new("user", devA), new("organization")),
            (new("group", groupA.Id), new("organization")),
            (new("user", userB), new("vpc", vpcA.Id)),
            (new("user", userB), new("vpc", Name: "prod-eu")),
            (new("user", userB), new("cluster", Name: "prod-1")),
        })
        {
            var role = scope.Type == "cluster" ? Roles.ClusterViewer : Roles.VpcViewer;
            var seen = await Api.AssertProblemAsync(await adminB.PostAsJsonAsync("/api/v1/policies", new CreatePolicyRequest(principal, scope, role)), HttpStatusCode.BadRequest);
            var unknownPrincipal = principal with { Id = principal.Id == userB ? userB : Guid.Empty };
            var unknownScope = scope with { Id = scope.Id is null ? null : Guid.Empty, Name = scope.Name is null ? null : "nowhere" };
            var unknown = await Api.AssertProblemAsync(await adminB.PostAsJsonAsync("/api/v1/policies", new CreatePolicyRequest(unknownPrincipal, unknownScope, role)), HttpStatusCode.BadRequest);
            Assert.Equal(Masked(unknown), Masked(seen));
        }

        // The same names in B are B's own.
        Assert.Equal("prod-eu", (await adminB.CreateVpcAsync("prod-eu")).Name);
        Assert.Equal(before.Replace("vpcs 1", "vpcs 2", StringComparison.Ordinal), await app.RowCountsAsync());
        Assert.Equal("ops", (await Api.ReadAsync<GroupInfo>(await adminA.GetAsync($"/api/v1/groups/{groupA.Id}"))).Name);
        Assert.True((await app.WithStoreAsync(db => Task.FromResult(db.Users.Single(u => u.Id == devA)))).IsActive);
        var denied = await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Where(e => e.ActorEmail == "admin@other.test" && e.Outcome == "denied").ToList()));
        Assert.All(denied, e => Assert.Equal(other, e.OrganizationId));
        Assert.Contains(denied, e => e.Action == "policy.delete" && e.TargetId == policyA.Id.ToString());
    }

    /// <summary>The problem's field and detail with every id and name taken out.</summary>
    private static string Masked(JsonElement problem) =>
        System.Text.RegularExpressions.Regex.Replace(
            $"{string.Join(",", problem.GetProperty("errors").EnumerateObject().Select(e => e.Name))}: {problem.GetProperty("detail").GetString()}",
            @"[0-9a-f]{8}-[0-9a-f-]{27}|'[^']*'", "*");
}
