using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.ClusterAuth;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Iam;

/// <summary>
/// Every role (and legacy preset) against every door, expecting exactly what the role table says.
/// The expectations come from <see cref="Roles.PermissionsOf"/>; the doors list is checked against the
/// server's routes, so a new endpoint fails here until it says which permission it needs.
/// </summary>
public class PermissionMatrixTests
{
    private const string Subject = "subject@example.test";
    private const string BobEmail = "bob@example.test";
    private const string Audience = "https://prod-1.example.test";

    /// <summary>A door: the route it exercises, the permission it needs (null: any member), and how to knock.</summary>
    internal sealed record Door(string Route, string? Permission, Func<World, Task<bool>> Knock)
    {
        public override string ToString() => $"{Route} [{Permission ?? "any member"}]";
    }

    internal static readonly Door[] Doors =
    [
        new("POST /api/v1/login", null, w => Succeeds(w.Anonymous.PostAsJsonAsync("/api/v1/login", new LoginRequest(Subject, "pw-" + Subject)))),
        new("GET /api/v1/whoami", null, w => Succeeds(w.Me.GetAsync("/api/v1/whoami"))),
        new("POST /api/v1/tokens/", Permissions.TokensOwn, w => Succeeds(w.Me.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("mine")))),
        new("POST /api/v1/tokens/", Permissions.ClustersView, w => Succeeds(w.Me.PostAsJsonAsync("/api/v1/tokens",
            new CreateTokenRequest("with kubeconfig", Kubeconfig: new KubeconfigRequest("prod-1"))))),
        new("GET /api/v1/tokens/", Permissions.TokensOwn, w => Succeeds(w.Me.GetAsync("/api/v1/tokens"))),
        new("GET /api/v1/tokens/", Permissions.TokensReadAll, w => Succeeds(w.Me.GetAsync("/api/v1/tokens?owner=all"))),
        new("GET /api/v1/tokens/{id}", Permissions.TokensOwn, async w => await Succeeds(w.Me.GetAsync($"/api/v1/tokens/{await w.OwnTokenAsync()}"))),
        new("GET /api/v1/tokens/{id}", Permissions.TokensReadAll, async w => await Succeeds(w.Me.GetAsync($"/api/v1/tokens/{await w.BobsTokenAsync()}"))),
        new("DELETE /api/v1/tokens/{id}", Permissions.TokensOwn, async w => await Succeeds(w.Me.DeleteAsync($"/api/v1/tokens/{await w.OwnTokenAsync()}"))),
        new("DELETE /api/v1/tokens/{id}", Permissions.TokensRevokeAll, async w => await Succeeds(w.Me.DeleteAsync($"/api/v1/tokens/{await w.BobsTokenAsync()}"))),
        new("POST /api/v1/tokens/revoke", Permissions.TokensRevokeAll, async w =>
        {
            var answer = await w.Me.PostAsJsonAsync("/api/v1/tokens/revoke", new RevokeTokensRequest([await w.BobsTokenAsync()]));
            return (await Api.ReadAsync<RevokedTokens>(answer)).Revoked.Count == 1;
        }),
        new("GET /api/v1/tokens/{id}/access", Permissions.TokensReadAll, async w => await Succeeds(w.Me.GetAsync($"/api/v1/tokens/{await w.BobsTokenAsync()}/access"))),
        new("GET /api/v1/users/{id}/access", null, w => Succeeds(w.Me.GetAsync("/api/v1/users/me/access"))),
        new("GET /api/v1/users/{id}/access", Permissions.IamManage, async w => await Succeeds(w.Me.GetAsync($"/api/v1/users/{await w.BobsIdAsync()}/access"))),
        new("GET /api/v1/organization/token-policy/", null, w => Succeeds(w.Me.GetAsync("/api/v1/organization/token-policy"))),
        new("PUT /api/v1/organization/token-policy/", Permissions.IamManage, w => Succeeds(w.Me.PutAsJsonAsync("/api/v1/organization/token-policy", new UpdateTokenPolicyRequest(200)))),
        new("GET /api/v1/clusters/", Permissions.ClustersView, async w =>
            (await Api.ReadAsync<List<ClusterInfo>>(await w.Me.GetAsync("/api/v1/clusters"))).Any(c => c.Name == "prod-1")),
        new("POST /api/v1/clusters/", Permissions.ClustersManage, w => Succeeds(w.Me.PostAsJsonAsync("/api/v1/clusters", new CreateClusterRequest(w.NewName(), "https://new.example.test")))),
        new("DELETE /api/v1/clusters/{name}", Permissions.ClustersManage, async w => await Succeeds(w.Me.DeleteAsync($"/api/v1/clusters/{await w.SpareClusterAsync()}"))),
        new("POST /api/v1/clusters/{name}/credentials", Permissions.ClustersView, w => Succeeds(w.Me.PostAsync("/api/v1/clusters/prod-1/credentials", null))),
        new("GET /api/v1/clusters/{name}/webhook-config", Permissions.ClustersManage, async w => await Succeeds(w.Me.GetAsync($"/api/v1/clusters/{await w.SpareClusterAsync()}/webhook-config"))),
        new("GET /api/v1/clusters/{name}/webhook-credentials", Permissions.ClustersManage, w => Succeeds(w.Me.GetAsync("/api/v1/clusters/prod-1/webhook-credentials"))),
        new("DELETE /api/v1/clusters/{name}/webhook-credentials/{id:guid}", Permissions.ClustersManage, async w =>
        {
            var cluster = await w.SpareClusterAsync();
            Assert.Equal(HttpStatusCode.OK, (await w.Admin.GetAsync($"/api/v1/clusters/{cluster}/webhook-config")).StatusCode);
            var credential = Assert.Single(await Api.ReadAsync<List<WebhookCredentialInfo>>(await w.Admin.GetAsync($"/api/v1/clusters/{cluster}/webhook-credentials")));
            return await Succeeds(w.Me.DeleteAsync($"/api/v1/clusters/{cluster}/webhook-credentials/{credential.Id}"));
        }),
        new("GET /api/v1/clusters/{name}/rbac", Permissions.ClustersView, w => Succeeds(w.Me.GetAsync("/api/v1/clusters/prod-1/rbac"))),
        new("GET /api/v1/audit", Permissions.AuditRead, w => Succeeds(w.Me.GetAsync("/api/v1/audit"))),
        new("GET /api/v1/audit/export", Permissions.AuditRead, w => Succeeds(w.Me.GetAsync("/api/v1/audit/export"))),
        new("POST /api/v1/tokens/revoke-leaked", null, w => Succeeds(w.Anonymous.PostAsJsonAsync("/api/v1/tokens/revoke-leaked", new { tokens = new[] { "lk_notatoken" } }))),
        new("GET /api/v1/users/", Permissions.IamManage, w => Succeeds(w.Me.GetAsync("/api/v1/users"))),
        new("POST /api/v1/users/", Permissions.IamManage, w => Succeeds(w.Me.PostAsJsonAsync("/api/v1/users", new InviteMemberRequest($"{w.NewName()}@example.test")))),
        new("GET /api/v1/users/{id:guid}", Permissions.IamManage, async w => await Succeeds(w.Me.GetAsync($"/api/v1/users/{await w.BobsIdAsync()}"))),
        new("POST /api/v1/users/{id:guid}/disable", Permissions.IamManage, async w => await Succeeds(w.Me.PostAsync($"/api/v1/users/{await w.SpareUserAsync()}/disable", null))),
        new("POST /api/v1/users/{id:guid}/enable", Permissions.IamManage, async w => await Succeeds(w.Me.PostAsync($"/api/v1/users/{await w.SpareUserAsync()}/enable", null))),
        new("GET /api/v1/groups/", Permissions.IamManage, w => Succeeds(w.Me.GetAsync("/api/v1/groups"))),
        new("POST /api/v1/groups/", Permissions.IamManage, w => Succeeds(w.Me.PostAsJsonAsync("/api/v1/groups", new GroupNameRequest(w.NewName())))),
        new("GET /api/v1/groups/{id:guid}", Permissions.IamManage, async w => await Succeeds(w.Me.GetAsync($"/api/v1/groups/{await w.SpareGroupAsync()}"))),
        new("PATCH /api/v1/groups/{id:guid}", Permissions.IamManage, async w => await Succeeds(w.Me.PatchAsJsonAsync($"/api/v1/groups/{await w.SpareGroupAsync()}", new GroupNameRequest(w.NewName())))),
        new("DELETE /api/v1/groups/{id:guid}", Permissions.IamManage, async w => await Succeeds(w.Me.DeleteAsync($"/api/v1/groups/{await w.SpareGroupAsync()}"))),
        new("PUT /api/v1/groups/{id:guid}/members/{userId:guid}", Permissions.IamManage, async w =>
            await Succeeds(w.Me.PutAsync($"/api/v1/groups/{await w.SpareGroupAsync()}/members/{await w.BobsIdAsync()}", null))),
        new("DELETE /api/v1/groups/{id:guid}/members/{userId:guid}", Permissions.IamManage, async w =>
        {
            var group = await w.SpareGroupAsync();
            var bob = await w.BobsIdAsync();
            Assert.True((await w.Admin.PutAsync($"/api/v1/groups/{group}/members/{bob}", null)).IsSuccessStatusCode);
            return await Succeeds(w.Me.DeleteAsync($"/api/v1/groups/{group}/members/{bob}"));
        }),
        new("GET /api/v1/policies/", Permissions.IamManage, w => Succeeds(w.Me.GetAsync("/api/v1/policies"))),
        new("POST /api/v1/policies/", Permissions.IamManage, async w => await Succeeds(w.Me.PostAsJsonAsync("/api/v1/policies",
            new CreatePolicyRequest(new PrincipalRequest("user", await w.SpareUserAsync()), new ScopeRequest("organization"), Roles.MetricsReader)))),
        new("GET /api/v1/policies/{id:guid}", Permissions.IamManage, async w => await Succeeds(w.Me.GetAsync($"/api/v1/policies/{await w.SparePolicyAsync()}"))),
        new("DELETE /api/v1/policies/{id:guid}", Permissions.IamManage, async w => await Succeeds(w.Me.DeleteAsync($"/api/v1/policies/{await w.SparePolicyAsync()}"))),
        new("GET /api/v1/vpcs/", Permissions.VpcsView, async w =>
        {
            var vpc = await w.SpareVpcAsync();
            return (await Api.ReadAsync<List<VpcInfo>>(await w.Me.GetAsync("/api/v1/vpcs"))).Any(v => v.Id == vpc);
        }),
        new("POST /api/v1/vpcs/", Permissions.VpcsManage, w => Succeeds(w.Me.PostAsJsonAsync("/api/v1/vpcs", new CreateVpcRequest(w.NewName(), "eu-1", "10.1.0.0/16")))),
        new("GET /api/v1/vpcs/{id:guid}", Permissions.VpcsView, async w => await Succeeds(w.Me.GetAsync($"/api/v1/vpcs/{await w.SpareVpcAsync()}"))),
        new("DELETE /api/v1/vpcs/{id:guid}", Permissions.VpcsManage, async w => await Succeeds(w.Me.DeleteAsync($"/api/v1/vpcs/{await w.SpareVpcAsync()}"))),
        new("POST /api/v1/tokens/{id}/rotate", Permissions.TokensOwn, async w => await Succeeds(w.Me.PostAsync($"/api/v1/tokens/{await w.OwnTokenAsync()}/rotate", null))),
        new("GET /api/v1/tokens/{id}/usage", Permissions.TokensOwn, async w => await Succeeds(w.Me.GetAsync($"/api/v1/tokens/{await w.OwnTokenAsync()}/usage"))),
        new("GET /api/v1/tokens/{id}/usage", Permissions.TokensReadAll, async w => await Succeeds(w.Me.GetAsync($"/api/v1/tokens/{await w.BobsTokenAsync()}/usage"))),
        new("TokenReview", Permissions.ClustersView, async w => (await w.TokenReviewAsync()).GetProperty("authenticated").GetBoolean()),
        new("TokenReview group latchkey:cluster-admin", Permissions.ClustersAdmin, async w => (await w.TokenReviewAsync()).TryGetProperty("user", out var user)
            && user.GetProperty("groups").EnumerateArray().Any(g => g.GetString() == "latchkey:cluster-admin")),
        new("SubjectAccessReview get", Permissions.ClustersView, w => w.SubjectAccessReviewAsync("get")),
        new("SubjectAccessReview delete", Permissions.ClustersAdmin, w => w.SubjectAccessReviewAsync("delete")),
        .. Permissions.All.Select(p => new Door($"forward-auth scope={p}", p, w => Succeeds(w.Me.GetAsync($"/auth/verify?scope={p}")))),
        // Last: the subject's own token is replaced (it keeps working until the new one is first used, which never happens here).
        new("POST /api/v1/tokens/self/rotate", null, w => Succeeds(w.Me.PostAsync("/api/v1/tokens/self/rotate", null))),
    ];

    /// <summary>Every role, every legacy preset (as the roles it maps to), and a plain member.</summary>
    public static TheoryData<string> Holders()
    {
        var data = new TheoryData<string> { "member" };
        foreach (var role in Roles.PermissionsOf.Keys.Order(StringComparer.Ordinal))
        {
            data.Add(role);
        }

        foreach (var preset in Roles.LegacyPresets.Keys.Order(StringComparer.Ordinal))
        {
            data.Add("preset:" + preset);
        }

        return data;
    }

    [Fact]
    public async Task Every_api_route_has_a_row_in_the_permission_matrix()
    {
        await using var app = await TestApp.StartAsync();
        var routes = app.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {e.RoutePattern.RawText}"))
            .ToHashSet();

        Assert.Empty(routes.Except(Doors.Select(d => d.Route)));
    }

    [Theory]
    [MemberData(nameof(Holders))]
    public async Task Each_door_answers_as_the_role_table_says(string holder)
    {
        var roles = holder == "member" ? [] : holder.StartsWith("preset:", StringComparison.Ordinal) ? Roles.LegacyPresets[holder["preset:".Length..]] : [holder];
        var held = roles.SelectMany(r => Roles.PermissionsOf[r]).Append(Permissions.TokensOwn).ToHashSet();
        await using var world = await World.CreateAsync(roles);

        var wrong = new List<string>();
        foreach (var door in Doors)
        {
            var expected = door.Permission is null || held.Contains(door.Permission);
            if (await door.Knock(world) != expected)
            {
                wrong.Add($"{door}: expected {(expected ? "allowed" : "refused")}");
            }
        }

        Assert.True(wrong.Count == 0, $"{holder}:\n" + string.Join('\n', wrong));
    }

    /// <summary>Allowed is a 2xx; refused is a 403 or 404. Anything else is a bug in the door, not an answer.</summary>
    private static async Task<bool> Succeeds(Task<HttpResponseMessage> call)
    {
        var response = await call;
        if (response.IsSuccessStatusCode)
        {
            return true;
        }

        Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return false;
    }

    /// <summary>One organization with a cluster, the subject holding the roles under test, and Bob with tokens to look at.</summary>
    internal sealed class World : IAsyncDisposable
    {
        private int names;

        private World(TestApp app) => App = app;

        public TestApp App { get; }
        public HttpClient Anonymous { get; private set; } = null!;
        public HttpClient Me { get; private set; } = null!;
        public HttpClient Admin { get; private set; } = null!;
        public HttpClient Bob { get; private set; } = null!;
        public HttpClient Webhook { get; private set; } = null!;
        public string SubjectToken { get; private set; } = null!;

        public static async Task<World> CreateAsync(IReadOnlyList<string> roles)
        {
            var world = new World(await TestApp.StartAsync());
            var app = world.App;
            world.Webhook = app.Client(await app.AddClusterAsync("prod-1", Audience));
            world.SubjectToken = await app.AddUserAsync(Subject);
            foreach (var role in roles)
            {
                await app.GrantAsync(Subject, role);
            }

            world.Anonymous = app.Client();
            world.Me = app.Client(world.SubjectToken);
            world.Admin = app.Client(await app.LoginAsync());
            world.Bob = app.Client(await app.AddUserAsync(BobEmail));
            return world;
        }

        public string NewName() => $"c-{Interlocked.Increment(ref names)}";

        public async Task<string> OwnTokenAsync() => (await App.CreateTokenAsync(SubjectToken, new CreateTokenRequest("own"))).Id;

        public async Task<string> BobsTokenAsync() => (await Api.ReadAsync<CreatedToken>(await Bob.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("bob's")))).Id;

        public Task<Guid> BobsIdAsync() => App.WithStoreAsync(db => Task.FromResult(db.Users.Single(u => u.Email == BobEmail).Id));

        public async Task<string> SpareClusterAsync()
        {
            var name = NewName();
            Assert.Equal(HttpStatusCode.Created, (await Admin.PostAsJsonAsync("/api/v1/clusters", new CreateClusterRequest(name, "https://spare.example.test"))).StatusCode);
            return name;
        }

        public async Task<Guid> SpareUserAsync()
        {
            var email = $"{NewName()}@example.test";
            await App.AddUserAsync(email);
            return await App.WithStoreAsync(db => Task.FromResult(db.Users.Single(u => u.Email == email).Id));
        }

        public async Task<Guid> SpareGroupAsync() =>
            (await Api.ReadAsync<GroupInfo>(await Admin.PostAsJsonAsync("/api/v1/groups", new GroupNameRequest(NewName())))).Id;

        public async Task<Guid> SpareVpcAsync() =>
            (await Api.ReadAsync<VpcInfo>(await Admin.PostAsJsonAsync("/api/v1/vpcs", new CreateVpcRequest(NewName(), "eu-1", "10.0.0.0/16")))).Id;

        public async Task<Guid> SparePolicyAsync()
        {
            var created = await Api.ReadAsync<List<PolicyInfo>>(await Admin.PostAsJsonAsync("/api/v1/policies",
                new CreatePolicyRequest(new PrincipalRequest("user", await SpareUserAsync()), new ScopeRequest("organization"), Roles.LogsReader)));
            return Assert.Single(created).Id;
        }

        public async Task<JsonElement> TokenReviewAsync() =>
            JsonDocument.Parse(await TokenReviewTests.ReviewAsync(Webhook, "v1", TokenReviewTests.Review(SubjectToken, Audience))).RootElement.GetProperty("status");

        /// <summary>As the API server asks: after a TokenReview, with what it answered (a name alone, when it did not authenticate).</summary>
        public async Task<bool> SubjectAccessReviewAsync(string verb) =>
            ((await TokenReviewAsync()).GetProperty("authenticated").GetBoolean()
                ? await Reviews.AuthorizeAsync(Webhook, SubjectToken, verb)
                : await Reviews.SubjectAccessReviewAsync(Webhook, Subject, null, null, verb)).GetProperty("allowed").GetBoolean();

        public async ValueTask DisposeAsync()
        {
            foreach (var client in new[] { Anonymous, Me, Admin, Bob, Webhook })
            {
                client?.Dispose();
            }

            await App.DisposeAsync();
        }
    }
}
