using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Iam;

/// <summary>The organization's token policy: lifetime, no-expiration, mintable scopes; tightening lists, it does not kill.</summary>
public class TokenPolicyTests
{
    private const string Jane = "jane@example.test";

    [Fact]
    public async Task Mintable_scopes_limit_what_members_may_create()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddClusterAsync("prod-1");
        using var admin = app.Client(await app.LoginAsync());
        var jane = await app.AddUserAsync(Jane, role: Roles.MetricsReader);
        await app.GrantAsync(Jane, Roles.ClusterViewer);

        var policy = await Api.ReadAsync<TokenPolicyInfo>(await admin.PutAsJsonAsync("/api/v1/organization/token-policy",
            new UpdateTokenPolicyRequest(90, false, ["tokens:own", "metrics:read"])));
        Assert.Equal(["metrics:read", "tokens:own"], policy.MintableScopes);

        using var client = app.Client(jane);
        var unscoped = await Api.AssertProblemAsync(await client.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("any")), HttpStatusCode.BadRequest);
        Assert.Contains("requires every token to be scoped", unscoped.GetProperty("detail").GetString()!, StringComparison.Ordinal);
        var outside = await Api.AssertProblemAsync(await client.PostAsJsonAsync("/api/v1/tokens",
            new CreateTokenRequest("k8s", Scopes: ["clusters:view:prod-1"])), HttpStatusCode.BadRequest);
        Assert.Contains("clusters:view", outside.GetProperty("detail").GetString()!, StringComparison.Ordinal);
        var ok = await app.CreateTokenAsync(jane, new CreateTokenRequest("scrape", Scopes: ["metrics:read"]));
        Assert.Equal(["metrics:read"], ok.Scopes);

        // Members read the rules they are held to.
        var seen = await Api.ReadAsync<TokenPolicyInfo>(await client.GetAsync("/api/v1/organization/token-policy"));
        Assert.Equal(90, seen.MaxLifetimeDays);
        await Api.AssertProblemAsync(await client.PutAsJsonAsync("/api/v1/organization/token-policy", new UpdateTokenPolicyRequest(365)), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Tightening_the_policy_lists_tokens_beyond_it_and_leaves_them_working()
    {
        await using var app = await TestApp.StartAsync();
        var adminToken = await app.LoginAsync();
        using var admin = app.Client(adminToken);
        var jane = await app.AddUserAsync(Jane);
        var longLived = await app.CreateTokenAsync(jane, new CreateTokenRequest("long", ExpiresInDays: 300));
        var shortLived = await app.CreateTokenAsync(jane, new CreateTokenRequest("short", ExpiresInDays: 10));

        var policy = await Api.ReadAsync<TokenPolicyInfo>(await admin.PutAsJsonAsync("/api/v1/organization/token-policy", new UpdateTokenPolicyRequest(30)));
        Assert.Equal(1, policy.TokensBeyondPolicy);

        var beyond = await Api.ReadAsync<Page<TokenInfo>>(await admin.GetAsync("/api/v1/tokens?owner=all&beyondPolicy=true"));
        Assert.Equal([longLived.Id], beyond.Items.Select(t => t.Id));
        using (var client = app.Client(longLived.Secret))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        }

        await Api.AssertProblemAsync(await app.Client(jane).PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("again", ExpiresInDays: 300)),
            HttpStatusCode.BadRequest);
        var audit = await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Count(e => e.Action == "organization.token-policy")));
        Assert.Equal(1, audit);
        // The token within the policy is untouched as well.
        using var withinPolicy = app.Client(shortLived.Secret);
        Assert.Equal(HttpStatusCode.OK, (await withinPolicy.GetAsync("/api/v1/whoami")).StatusCode);
    }

    public static TheoryData<string, string, string> BadPolicies => new()
    {
        { "zero days", """{"maxLifetimeDays":0}""", "maxLifetimeDays" },
        { "missing lifetime", """{"allowNoExpiration":true}""", "maxLifetimeDays" },
        { "unknown permission", """{"maxLifetimeDays":30,"mintableScopes":["clusters:delete"]}""", "mintableScopes" },
        { "empty mintable list", """{"maxLifetimeDays":30,"mintableScopes":[]}""", "mintableScopes" },
        { "repeated permission", """{"maxLifetimeDays":30,"mintableScopes":["metrics:read","metrics:read"]}""", "mintableScopes" },
    };

    [Theory]
    [MemberData(nameof(BadPolicies))]
    public async Task Bad_policies_are_refused_and_change_nothing(string @case, string body, string field)
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        var before = await Api.ReadAsync<TokenPolicyInfo>(await admin.GetAsync("/api/v1/organization/token-policy"));

        var response = await admin.PutAsync("/api/v1/organization/token-policy", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), @case);
        Assert.Equal(before, await Api.ReadAsync<TokenPolicyInfo>(await admin.GetAsync("/api/v1/organization/token-policy")));
    }
}
