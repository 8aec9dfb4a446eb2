using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Security;

/// <summary>User B (same organization) and C (another organization's admin) against A's objects: nothing is visible.</summary>
public class IsolationTests
{
    /// <summary>Every API route, with how this test walks it. A new route fails the coverage test until it is added here.</summary>
    private static readonly Dictionary<string, string> Walked = new()
    {
        ["POST /api/v1/login"] = "not object-scoped: answers only for the credentials given",
        ["GET /api/v1/whoami"] = "answers only about the caller",
        ["POST /api/v1/tokens/"] = "creates for the caller only",
        ["GET /api/v1/tokens/"] = "walked: A's tokens never listed",
        ["GET /api/v1/tokens/{id}"] = "walked: 404",
        ["DELETE /api/v1/tokens/{id}"] = "walked: 404",
        ["POST /api/v1/tokens/revoke-leaked"] = "anonymous: the secret is the proof; the answer is the same for any input (LeakedTokenTests)",
        ["POST /api/v1/tokens/{id}/rotate"] = "walked: 404",
        ["POST /api/v1/tokens/self/rotate"] = "rotates the calling token only",
        ["GET /api/v1/tokens/{id}/usage"] = "walked: 404",
        ["GET /api/v1/clusters/"] = "walked: other organization's clusters never listed",
        ["POST /api/v1/clusters/"] = "walked: same name in another organization is a new cluster",
        ["DELETE /api/v1/clusters/{name}"] = "walked: 404",
        ["POST /api/v1/clusters/{name}/credentials"] = "walked: 404, and no kubeconfig at token creation either",
        ["GET /api/v1/audit"] = "walked: other organization's events never listed",
        ["GET /api/v1/audit/export"] = "walked in AuditTests: other organization's events never exported",
        ["GET /api/v1/clusters/{name}/webhook-config"] = "walked: 404",
        ["GET /api/v1/clusters/{name}/rbac"] = "walked: 404",
        ["GET /api/v1/clusters/{name}/webhook-credentials"] = "walked in WebhookCredentialTests: 404 for another organization's cluster",
        ["DELETE /api/v1/clusters/{name}/webhook-credentials/{id:guid}"] = "walked in WebhookCredentialTests: 404 for another organization's cluster or credential",
        ["POST /api/v1/tokens/revoke"] = "walked in CrossOrganizationTests: another organization's ids are not found",
        ["GET /api/v1/tokens/{id}/access"] = "walked in CrossOrganizationTests: 404",
        ["GET /api/v1/users/{id}/access"] = "walked in CrossOrganizationTests: 404",
        ["GET /api/v1/organization/token-policy/"] = "answers only about the caller's organization",
        ["PUT /api/v1/organization/token-policy/"] = "changes only the caller's organization (CrossOrganizationTests)",
        ["GET /api/v1/users/"] = "walked in IamIsolationTests: other organization's members never listed",
        ["POST /api/v1/users/"] = "creates in the caller's organization only (an email taken anywhere is a 409: sign-in needs emails unique across the installation)",
        ["GET /api/v1/users/{id:guid}"] = "walked in IamIsolationTests: 404",
        ["POST /api/v1/users/{id:guid}/disable"] = "walked in IamIsolationTests: 404",
        ["POST /api/v1/users/{id:guid}/enable"] = "walked in IamIsolationTests: 404",
        ["GET /api/v1/groups/"] = "walked in IamIsolationTests: other organization's groups never listed",
        ["POST /api/v1/groups/"] = "creates in the caller's organization only; the same name elsewhere is another group",
        ["GET /api/v1/groups/{id:guid}"] = "walked in IamIsolationTests: 404",
        ["PATCH /api/v1/groups/{id:guid}"] = "walked in IamIsolationTests: 404",
        ["DELETE /api/v1/groups/{id:guid}"] = "walked in IamIsolationTests: 404",
        ["PUT /api/v1/groups/{id:guid}/members/{userId:guid}"] = "walked in IamIsolationTests: 404 for another organization's group or user",
        ["DELETE /api/v1/groups/{id:guid}/members/{userId:guid}"] = "walked in IamIsolationTests: 404",
        ["GET /api/v1/policies/"] = "walked in IamIsolationTests: other organization's policies never listed, whatever the filter",
        ["POST /api/v1/policies/"] = "walked in IamIsolationTests: another organization's user, group, cluster or VPC is answered as one that exists nowhere",
        ["GET /api/v1/policies/{id:guid}"] = "walked in IamIsolationTests: 404",
        ["DELETE /api/v1/policies/{id:guid}"] = "walked in IamIsolationTests: 404",
        ["GET /api/v1/vpcs/"] = "walked in IamIsolationTests: other organization's VPCs never listed",
        ["POST /api/v1/vpcs/"] = "walked in IamIsolationTests: the same name in another organization is a new VPC",
        ["GET /api/v1/vpcs/{id:guid}"] = "walked in IamIsolationTests: 404",
        ["DELETE /api/v1/vpcs/{id:guid}"] = "walked in IamIsolationTests: 404",
    };

    [Fact]
    public async Task Every_api_route_is_walked_by_the_isolation_test()
    {
        await using var app = await TestApp.StartAsync();
        var routes = app.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {e.RoutePattern.RawText}"))
            .ToHashSet();

        Assert.Empty(routes.Except(Walked.Keys));
        Assert.Empty(Walked.Keys.Except(routes));
    }

    [Fact]
    public async Task Other_users_cannot_list_read_or_delete_a_users_tokens_and_attempts_are_audited()
    {
        await using var app = await TestApp.StartAsync();
        var userA = await app.AddUserAsync("a@example.test");
        var tokenOfA = await app.CreateTokenAsync(userA, new CreateTokenRequest("a's token"));
        var userB = await app.AddUserAsync("b@example.test");
        var otherOrg = await app.AddOrganizationAsync("other");
        var adminC = await app.AddUserAsync("c@other.test", otherOrg, Roles.OrgAdmin);

        foreach (var token in new[] { userB, adminC })
        {
            using var client = app.Client(token);
            var list = await Api.ReadAsync<Page<TokenInfo>>(await client.GetAsync("/api/v1/tokens"));
            Assert.DoesNotContain(list.Items, t => t.Id == tokenOfA.Id);
            var all = await client.GetAsync("/api/v1/tokens?owner=all");
            if (all.IsSuccessStatusCode)
            {
                Assert.DoesNotContain((await all.Content.ReadFromJsonAsync<Page<TokenInfo>>())!.Items, t => t.Id == tokenOfA.Id);
            }

            await Api.AssertProblemAsync(await client.GetAsync($"/api/v1/tokens/{tokenOfA.Id}"), HttpStatusCode.NotFound);
            await Api.AssertProblemAsync(await client.DeleteAsync($"/api/v1/tokens/{tokenOfA.Id}"), HttpStatusCode.NotFound);
            await Api.AssertProblemAsync(await client.PostAsync($"/api/v1/tokens/{tokenOfA.Id}/rotate", null), HttpStatusCode.NotFound);
            await Api.AssertProblemAsync(await client.GetAsync($"/api/v1/tokens/{tokenOfA.Id}/usage"), HttpStatusCode.NotFound);
            // Unknown ids look exactly the same.
            await Api.AssertProblemAsync(await client.GetAsync("/api/v1/tokens/doesnotexist0000"), HttpStatusCode.NotFound);
        }

        using var a = app.Client(tokenOfA.Secret);
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync("/api/v1/whoami")).StatusCode);

        var attempts = await app.WithStoreAsync(db => Task.FromResult(
            db.AuditEvents.Where(e => e.TargetId == tokenOfA.Id && e.Outcome == "denied").ToList()));
        Assert.Contains(attempts, e => e.Action == "token.read" && e.ActorEmail == "b@example.test");
        Assert.Contains(attempts, e => e.Action == "token.revoke" && e.ActorEmail == "b@example.test");
        Assert.Contains(attempts, e => e.Action == "token.rotate" && e.ActorEmail == "c@other.test" && e.OrganizationId == otherOrg);
        Assert.Null(await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Single(t => t.Id == tokenOfA.Id).ReplacedByTokenId)));
        Assert.Contains(attempts, e => e.Action == "token.revoke" && e.ActorEmail == "c@other.test" && e.OrganizationId == otherOrg);
    }

    [Fact]
    public async Task Another_organizations_admin_cannot_see_or_remove_clusters_or_read_audit_events()
    {
        await using var app = await TestApp.StartAsync();
        using var adminA = app.Client(await app.LoginAsync());
        Assert.Equal(HttpStatusCode.Created, (await adminA.PostAsJsonAsync("/api/v1/clusters", new CreateClusterRequest("prod-1", "https://prod-1.example.test:6443"))).StatusCode);
        var otherOrg = await app.AddOrganizationAsync("other");
        using var adminC = app.Client(await app.AddUserAsync("c@other.test", otherOrg, Roles.OrgAdmin));

        Assert.Empty(await Api.ReadAsync<List<ClusterInfo>>(await adminC.GetAsync("/api/v1/clusters")));
        await Api.AssertProblemAsync(await adminC.DeleteAsync("/api/v1/clusters/prod-1"), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await adminC.GetAsync("/api/v1/clusters/prod-1/webhook-config"), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await adminC.GetAsync("/api/v1/clusters/prod-1/rbac"), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await adminC.PostAsync("/api/v1/clusters/prod-1/credentials", null), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await adminC.PostAsJsonAsync("/api/v1/tokens",
            new CreateTokenRequest("x", Kubeconfig: new KubeconfigRequest("prod-1"))), HttpStatusCode.NotFound);
        Assert.Single(await Api.ReadAsync<List<ClusterInfo>>(await adminA.GetAsync("/api/v1/clusters")));

        // The same name in another organization is that organization's own cluster.
        Assert.Equal(HttpStatusCode.Created, (await adminC.PostAsJsonAsync("/api/v1/clusters", new CreateClusterRequest("prod-1", "https://other.example.test"))).StatusCode);
        var seenByA = Assert.Single(await Api.ReadAsync<List<ClusterInfo>>(await adminA.GetAsync("/api/v1/clusters")));
        Assert.Equal("https://prod-1.example.test:6443", seenByA.Server);

        var eventsForC = await Api.ReadAsync<Page<AuditEventInfo>>(await adminC.GetAsync("/api/v1/audit?limit=500"));
        Assert.DoesNotContain(eventsForC.Items, e => e.Actor.Email == TestApp.AdminEmail);
        Assert.Contains(eventsForC.Items, e => e.Action == "cluster.delete" && e.Outcome == "denied");
    }
}
