using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.ClusterAuth;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.ClusterAuth;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Iam;

/// <summary>A token narrowed by scopes does no more than its scopes and its owner's current rights both allow, at every door.</summary>
public class TokenScopeTests
{
    private const string Jane = "jane@example.test";
    private const string Prod1 = "https://prod-1.example.test";
    private const string Prod2 = "https://prod-2.example.test";
    private static readonly string[] AuthenticatedGroup = ["latchkey:authenticated"];

    [Fact]
    public async Task A_metrics_token_cannot_list_or_create_tokens_nor_pass_token_review_for_any_cluster()
    {
        await using var app = await TestApp.StartAsync();
        var webhook1 = await app.AddClusterAsync("prod-1", Prod1);
        var login = await app.AddUserAsync(Jane, role: Roles.MetricsReader);
        await app.GrantAsync(Jane, Roles.ClusterAdmin);
        var metrics = await app.CreateTokenAsync(login, new CreateTokenRequest("scrape", Scopes: ["metrics:read"]));
        Assert.Equal(["metrics:read"], metrics.Scopes);

        using var client = app.Client(metrics.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/auth/verify?scope=clusters:view")).StatusCode);
        await Api.AssertProblemAsync(await client.GetAsync("/api/v1/tokens"), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await client.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("more")), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await client.DeleteAsync($"/api/v1/tokens/{metrics.Id}"), HttpStatusCode.NotFound);
        Assert.Empty(await Api.ReadAsync<List<ClusterInfo>>(await client.GetAsync("/api/v1/clusters")));

        using var cluster = app.Client(webhook1);
        var review = await TokenReviewTests.ReviewAsync(cluster, "v1", TokenReviewTests.Review(metrics.Secret, Prod1));
        Assert.False(Status(review).GetProperty("authenticated").GetBoolean());

        // The same owner's unscoped token passes: the scopes made the difference.
        var review2 = await TokenReviewTests.ReviewAsync(cluster, "v1", TokenReviewTests.Review(login, Prod1));
        Assert.True(Status(review2).GetProperty("authenticated").GetBoolean());
    }

    [Fact]
    public async Task A_token_scoped_to_one_cluster_is_not_authenticated_for_another_clusters_audience()
    {
        await using var app = await TestApp.StartAsync();
        var webhook1 = await app.AddClusterAsync("prod-1", Prod1);
        var webhook2 = await app.AddClusterAsync("prod-2", Prod2);
        var login = await app.AddUserAsync(Jane, role: Roles.ClusterAdmin);
        var scoped = await app.CreateTokenAsync(login, new CreateTokenRequest("ci", Scopes: ["clusters:view:prod-1"]));

        using (var one = app.Client(webhook1))
        {
            var status = Status(await TokenReviewTests.ReviewAsync(one, "v1", TokenReviewTests.Review(scoped.Secret, Prod1)));
            Assert.True(status.GetProperty("authenticated").GetBoolean());
            var groups = status.GetProperty("user").GetProperty("groups").EnumerateArray().Select(g => g.GetString()).ToList();
            Assert.Contains("latchkey:cluster-viewer", groups);
            // Admin on prod-1 by role, but the token carries only the viewer part.
            Assert.DoesNotContain("latchkey:cluster-admin", groups);
        }

        using (var two = app.Client(webhook2))
        {
            var status = Status(await TokenReviewTests.ReviewAsync(two, "v1", TokenReviewTests.Review(scoped.Secret, Prod2)));
            Assert.False(status.GetProperty("authenticated").GetBoolean());
            Assert.Contains("not scoped to cluster prod-2", status.GetProperty("error").GetString()!, StringComparison.Ordinal);
        }

        using var client = app.Client(scoped.Secret);
        var clusters = await Api.ReadAsync<List<ClusterInfo>>(await client.GetAsync("/api/v1/clusters"));
        Assert.Equal(["prod-1"], clusters.Select(c => c.Name));
        await Api.AssertProblemAsync(await client.PostAsync("/api/v1/clusters/prod-2/credentials", null), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Subject_access_review_narrows_a_scoped_tokens_verbs_to_its_scopes()
    {
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1", Prod1);
        var login = await app.AddUserAsync(Jane, role: Roles.ClusterAdmin);
        var viewer = await app.CreateTokenAsync(login, new CreateTokenRequest("read-only", Scopes: ["clusters:view:prod-1"]));
        var full = await app.CreateTokenAsync(login, new CreateTokenRequest("full"));
        var uid = await app.WithStoreAsync(db => Task.FromResult(db.Users.Single(u => u.Email == Jane).Id.ToString()));
        using var client = app.Client(webhook);

        Assert.False(await AllowedAsync(client, uid, viewer.Id, "delete"));
        Assert.True(await AllowedAsync(client, uid, viewer.Id, "get"));
        Assert.True(await AllowedAsync(client, uid, full.Id, "delete"));

        using (var owner = app.Client(login))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/v1/tokens/{full.Id}")).StatusCode);
        }

        // A review that names a revoked token gets no "allowed" out of Latchkey.
        Assert.False(await AllowedAsync(client, uid, full.Id, "get"));
    }

    [Fact]
    public async Task Rights_are_the_owners_current_rights_intersected_with_the_scopes()
    {
        await using var app = await TestApp.StartAsync();
        var login = await app.AddUserAsync(Jane, role: Roles.MetricsReader);
        await app.GrantAsync(Jane, Roles.LogsReader);
        var scoped = await app.CreateTokenAsync(login, new CreateTokenRequest("scrape", Scopes: ["metrics:read", "logs:read"]));
        using var client = app.Client(scoped.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/verify?scope=logs:read")).StatusCode);

        await app.WithStoreAsync(async db =>
        {
            db.AccessPolicies.RemoveRange(db.AccessPolicies.Where(p => p.Role == Roles.MetricsReader));
            return await db.SaveChangesAsync();
        });
        await app.Services.GetRequiredService<Latchkey.Server.Data.ChangeFeed>().PoliciesChangedAsync();

        // The very next request: in scope but no longer held by the owner.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/verify?scope=logs:read")).StatusCode);
    }

    [Fact]
    public async Task A_scoped_token_makes_only_tokens_as_narrow_as_itself()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddClusterAsync("prod-1", Prod1);
        var login = await app.AddUserAsync(Jane, role: Roles.OrgAdmin);
        var minter = await app.CreateTokenAsync(login, new CreateTokenRequest("minter", Scopes: ["tokens:own", "metrics:read"]));
        using var client = app.Client(minter.Secret);

        var inherited = await app.CreateTokenAsync(minter.Secret, new CreateTokenRequest("child"));
        Assert.Equal(["metrics:read", "tokens:own"], inherited.Scopes);

        var wider = await Api.AssertProblemAsync(await client.PostAsJsonAsync("/api/v1/tokens",
            new CreateTokenRequest("wider", Scopes: ["clusters:view:prod-1"])), HttpStatusCode.BadRequest);
        Assert.Contains("narrower", wider.GetProperty("detail").GetString()!, StringComparison.Ordinal);

        // An exec credential for kubectl is narrowed to its one cluster, and never wider than the token that asked.
        using var admin = app.Client(login);
        var credential = await Api.ReadAsync<ClusterToken>(await admin.PostAsync("/api/v1/clusters/prod-1/credentials", null));
        using var kubectl = app.Client(credential.Token);
        // It works at the Kubernetes door only: the API and forward-auth do not know it.
        await Api.AssertProblemAsync(await kubectl.GetAsync("/api/v1/tokens"), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Unauthorized, (await kubectl.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
        await Api.AssertProblemAsync(await client.PostAsync("/api/v1/clusters/prod-1/credentials", null), HttpStatusCode.NotFound);
    }

    public static TheoryData<string, string[], string> BadScopes => new()
    {
        { "not a permission", ["clusters:delete"], "is not a scope" },
        { "wider than the owner", ["iam:manage"], "wider than your own rights" },
        { "organization-wide where the owner holds it on one cluster", ["clusters:view"], "wider than your own rights" },
        { "unknown cluster", ["clusters:view:nowhere"], "names no cluster" },
        { "a resource on an organization-wide permission", ["metrics:read:prod-1"], "cannot be narrowed" },
        { "empty list", [], "at least one permission" },
        { "too many", [.. Enumerable.Repeat("metrics:read", 51)], "at most 50" },
        { "kubeconfig for a cluster outside the scopes", ["metrics:read"], "kubeconfig is for" },
    };

    [Theory]
    [MemberData(nameof(BadScopes))]
    public async Task Bad_scopes_are_refused_with_a_clear_message_and_nothing_is_created(string @case, string[] scopes, string message)
    {
        await using var app = await TestApp.StartAsync();
        await app.AddClusterAsync("prod-1", Prod1);
        var login = await app.AddUserAsync(Jane, role: Roles.MetricsReader);
        await app.GrantAsync(Jane, Roles.ClusterViewer, "prod-1");
        var before = await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Count()));
        using var client = app.Client(login);

        var request = new CreateTokenRequest(@case, Scopes: scopes, Kubeconfig: @case.StartsWith("kubeconfig", StringComparison.Ordinal) ? new KubeconfigRequest("prod-1") : null);
        var problem = await Api.AssertProblemAsync(await client.PostAsJsonAsync("/api/v1/tokens", request), HttpStatusCode.BadRequest);

        Assert.Contains(message, problem.GetProperty("detail").GetString()!, StringComparison.Ordinal);
        Assert.True(problem.GetProperty("errors").TryGetProperty("scopes", out _));
        Assert.Equal(before, await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Count())));
    }

    private static JsonElement Status(string review) => JsonDocument.Parse(review).RootElement.GetProperty("status");

    private static async Task<bool> AllowedAsync(HttpClient client, string uid, string tokenId, string verb)
    {
        var body = JsonSerializer.Serialize(new
        {
            apiVersion = "authorization.k8s.io/v1",
            kind = "SubjectAccessReview",
            spec = new
            {
                resourceAttributes = new { verb, resource = "pods", @namespace = "default" },
                user = Jane,
                uid,
                groups = AuthenticatedGroup,
                extra = new Dictionary<string, string[]> { [TokenReviewEndpoints.TokenIdExtra] = [tokenId] },
            },
        });
        var response = await client.PostAsync("/apis/authorization.k8s.io/v1/subjectaccessreviews", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetProperty("allowed").GetBoolean();
    }
}
