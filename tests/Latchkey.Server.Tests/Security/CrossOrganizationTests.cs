using System.Net;
using System.Net.Http.Json;
using CsCheck;
using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Security;

/// <summary>
/// Property: whatever role a member of organization B holds, and whatever id they try, an endpoint
/// answers A's real object exactly as it answers an id that does not exist, and A is left unchanged.
/// </summary>
public class CrossOrganizationTests
{
    private const string OtherEmail = "b@other.test";

    /// <summary>Every route that takes an object's id or name, with how to call it for one value.</summary>
    private static readonly (string Route, Func<HttpClient, string, Task<HttpResponseMessage>> Call, Func<Objects, string> RealValue)[] Routes =
    [
        ("GET /api/v1/tokens/{id}", (c, v) => c.GetAsync($"/api/v1/tokens/{v}"), a => a.TokenId),
        ("DELETE /api/v1/tokens/{id}", (c, v) => c.DeleteAsync($"/api/v1/tokens/{v}"), a => a.TokenId),
        ("GET /api/v1/tokens/{id}/access", (c, v) => c.GetAsync($"/api/v1/tokens/{v}/access"), a => a.TokenId),
        ("POST /api/v1/tokens/revoke", (c, v) => c.PostAsJsonAsync("/api/v1/tokens/revoke", new RevokeTokensRequest([v])), a => a.TokenId),
        ("GET /api/v1/tokens/?owner=", (c, v) => c.GetAsync($"/api/v1/tokens?owner={v}"), a => a.UserId),
        ("GET /api/v1/users/{id}/access", (c, v) => c.GetAsync($"/api/v1/users/{v}/access"), a => a.UserId),
        ("DELETE /api/v1/clusters/{name}", (c, v) => c.DeleteAsync($"/api/v1/clusters/{v}"), a => a.ClusterName),
        ("POST /api/v1/clusters/{name}/credentials", (c, v) => c.PostAsync($"/api/v1/clusters/{v}/credentials", null), a => a.ClusterName),
        ("GET /api/v1/clusters/{name}/webhook-config", (c, v) => c.GetAsync($"/api/v1/clusters/{v}/webhook-config"), a => a.ClusterName),
        ("GET /api/v1/clusters/{name}/rbac", (c, v) => c.GetAsync($"/api/v1/clusters/{v}/rbac"), a => a.ClusterName),
        ("POST /api/v1/tokens/ with kubeconfig", (c, v) => c.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("k", Kubeconfig: new KubeconfigRequest(v))), a => a.ClusterName),
        ("POST /api/v1/tokens/{id}/rotate", (c, v) => c.PostAsync($"/api/v1/tokens/{v}/rotate", null), a => a.TokenId),
        ("GET /api/v1/tokens/{id}/usage", (c, v) => c.GetAsync($"/api/v1/tokens/{v}/usage"), a => a.TokenId),
        ("GET /api/v1/users/{id}", (c, v) => c.GetAsync($"/api/v1/users/{v}"), a => a.UserId),
        ("POST /api/v1/users/{id}/disable", (c, v) => c.PostAsync($"/api/v1/users/{v}/disable", null), a => a.UserId),
        ("POST /api/v1/users/{id}/enable", (c, v) => c.PostAsync($"/api/v1/users/{v}/enable", null), a => a.UserId),
        ("GET /api/v1/groups/{id}", (c, v) => c.GetAsync($"/api/v1/groups/{v}"), a => a.GroupId),
        ("PATCH /api/v1/groups/{id}", (c, v) => c.PatchAsJsonAsync($"/api/v1/groups/{v}", new GroupNameRequest("renamed")), a => a.GroupId),
        ("DELETE /api/v1/groups/{id}", (c, v) => c.DeleteAsync($"/api/v1/groups/{v}"), a => a.GroupId),
        ("PUT /api/v1/groups/{id}/members/{userId}", (c, v) => c.PutAsync($"/api/v1/groups/{v}/members/{v}", null), a => a.GroupId),
        ("DELETE /api/v1/groups/{id}/members/{userId} (user)", (c, v) => c.DeleteAsync($"/api/v1/groups/{Guid.Empty}/members/{v}"), a => a.UserId),
        ("GET /api/v1/policies/{id}", (c, v) => c.GetAsync($"/api/v1/policies/{v}"), a => a.PolicyId),
        ("DELETE /api/v1/policies/{id}", (c, v) => c.DeleteAsync($"/api/v1/policies/{v}"), a => a.PolicyId),
        ("POST /api/v1/policies/ for A's user", (c, v) => c.PostAsJsonAsync("/api/v1/policies",
            new CreatePolicyRequest(new PrincipalRequest("user", Guid.Parse(v)), new ScopeRequest("organization"), Roles.OrgAdmin)), a => a.UserId),
        ("GET /api/v1/vpcs/{id}", (c, v) => c.GetAsync($"/api/v1/vpcs/{v}"), a => a.VpcId),
        ("DELETE /api/v1/vpcs/{id}", (c, v) => c.DeleteAsync($"/api/v1/vpcs/{v}"), a => a.VpcId),
        ("POST /api/v1/tokens/ with VPC scopes", (c, v) => c.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("s", Scopes: [$"vpcs:view:{v}"])), a => a.VpcName),
        ("POST /api/v1/tokens/ with scopes", (c, v) => c.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("s", Scopes: [$"clusters:view:{v}"])), a => a.ClusterName),
    ];

    private sealed record Objects(string TokenId, string UserId, string ClusterName, string GroupId, string PolicyId, string VpcId, string VpcName);

    [Fact]
    public async Task Nothing_of_one_organization_is_visible_or_changeable_from_another_whatever_the_role_or_id()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddClusterAsync("prod-1");
        var jane = await app.AddUserAsync("jane@a.test", role: Roles.ClusterViewer);
        var token = await app.CreateTokenAsync(jane, new CreateTokenRequest("a's"));
        var janeId = await app.WithStoreAsync(db => Task.FromResult(db.Users.Single(u => u.Email == "jane@a.test").Id));
        using var adminA = app.Client(await app.LoginAsync());
        var group = await Api.ReadAsync<GroupInfo>(await adminA.PostAsJsonAsync("/api/v1/groups", new GroupNameRequest("a-team")));
        Assert.True((await adminA.PutAsync($"/api/v1/groups/{group.Id}/members/{janeId}", null)).IsSuccessStatusCode);
        var vpc = await Api.ReadAsync<VpcInfo>(await adminA.PostAsJsonAsync("/api/v1/vpcs", new CreateVpcRequest("a-net", "eu-1", "10.0.0.0/16")));
        var policy = Assert.Single(await Api.ReadAsync<List<PolicyInfo>>(await adminA.PostAsJsonAsync("/api/v1/policies",
            new CreatePolicyRequest(new PrincipalRequest("group", group.Id), new ScopeRequest("vpc", vpc.Id), Roles.VpcViewer))));
        var real = new Objects(token.Id, janeId.ToString(), "prod-1", group.Id.ToString(), policy.Id.ToString(), vpc.Id.ToString(), "a-net");
        var otherOrg = await app.AddOrganizationAsync("other");
        using var other = app.Client(await app.AddUserAsync(OtherEmail, otherOrg));
        var before = await SnapshotAsync(app);
        var holders = Roles.PermissionsOf.Keys.Append("member").Order(StringComparer.Ordinal).ToArray();

        var sample = Gen.Select(Gen.OneOf(holders), Gen.Int[0, Routes.Length - 1], Gen.Guid, Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"].Array[8, 20].Select(c => "x" + new string(c)));
        await sample.SampleAsync(async (holder, route, guid, text) =>
        {
            await HoldOnlyAsync(app, otherOrg, holder);
            var (name, call, realValue) = Routes[route];
            // A guess shaped like the real thing: a GUID where ids are GUIDs, a name or token id otherwise.
            var guess = Guid.TryParse(realValue(real), out _) ? guid.ToString() : text;
            var forReal = await call(other, realValue(real));
            var forGuess = await call(other, guess);

            Assert.False(forReal.IsSuccessStatusCode && name != "POST /api/v1/tokens/revoke", $"{holder} {name}: {(int)forReal.StatusCode}");
            Assert.True(forReal.StatusCode == forGuess.StatusCode, $"{holder} {name}: {(int)forReal.StatusCode} for A's object, {(int)forGuess.StatusCode} for a guess");
            Assert.Equal(await BodyAsync(forGuess, guess), await BodyAsync(forReal, realValue(real)));
        }, iter: 60, threads: 1);

        Assert.Equal(before, await SnapshotAsync(app));
    }

    /// <summary>The answer with the value asked for and the per-request trace id taken out.</summary>
    private static async Task<string> BodyAsync(HttpResponseMessage response, string value) =>
        System.Text.RegularExpressions.Regex.Replace(await response.Content.ReadAsStringAsync(), "\"traceId\":\"[^\"]*\"", "")
            .Replace(value, "<value>", StringComparison.Ordinal);

    /// <summary>B's one member holds exactly this role on B (or none), effective on the next request.</summary>
    private static async Task HoldOnlyAsync(TestApp app, Guid organization, string holder)
    {
        await app.WithStoreAsync(db => db.AccessPolicies.Where(p => p.OrganizationId == organization).ExecuteDeleteAsync());
        if (holder == "member")
        {
            await app.Services.GetRequiredService<Latchkey.Server.Data.ChangeFeed>().PoliciesChangedAsync();
        }
        else
        {
            await app.GrantAsync(OtherEmail, holder);
        }
    }

    /// <summary>Everything of organization A that B could try to change, as text.</summary>
    private static Task<string> SnapshotAsync(TestApp app) => app.WithStoreAsync(async db =>
    {
        var a = await db.Organizations.OrderBy(o => o.CreatedAt).FirstAsync();
        var tokens = await db.AccessTokens.Where(t => t.OrganizationId == a.Id).OrderBy(t => t.Id).Select(t => $"{t.Id}:{t.RevokedAt}:{t.Scopes}").ToListAsync();
        var clusters = await db.Clusters.Where(c => c.OrganizationId == a.Id).OrderBy(c => c.Name).Select(c => c.Name).ToListAsync();
        var credentials = await db.ClusterCredentials.CountAsync(c => c.Cluster.OrganizationId == a.Id);
        var users = await db.Users.Where(u => u.OrganizationId == a.Id).OrderBy(u => u.Email).Select(u => $"{u.Email}:{u.IsActive}").ToListAsync();
        var policies = await db.AccessPolicies.CountAsync(p => p.OrganizationId == a.Id);
        var groups = await db.Groups.Where(g => g.OrganizationId == a.Id).OrderBy(g => g.Name).Select(g => g.Name).ToListAsync();
        var members = await db.GroupMembers.CountAsync();
        var vpcs = await db.Vpcs.Where(v => v.OrganizationId == a.Id).OrderBy(v => v.Name).Select(v => v.Name).ToListAsync();
        return string.Join('|', [.. tokens, .. clusters, .. users, .. groups, .. vpcs, $"members {members}", $"credentials {credentials}", $"policies {policies}",
            $"policy {a.MaxTokenLifetimeDays} {a.AllowNoExpiration} {a.MintablePermissions}"]);
    });
}
