using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;
using Latchkey.Server.Tests.Kubeconfigs;

namespace Latchkey.Server.Tests.Security;

/// <summary>Who may hold which token, probed as a malicious token admin or a stolen exec credential would.</summary>
public class TokenAuthorityTests
{
    [Fact]
    public async Task A_token_admin_cannot_rotate_an_org_admins_token_into_a_secret_of_its_own()
    {
        await using var app = await TestApp.StartAsync();
        var adminLogin = await app.LoginAsync();
        var adminToken = await app.CreateTokenAsync(adminLogin, new CreateTokenRequest("deploy"));
        using var tokenAdmin = app.Client(await app.AddUserAsync("ta@example.test", role: Roles.TokenAdmin));
        var before = await KubeconfigAtCreationTests.TokenCountAsync(app);

        var response = await tokenAdmin.PostAsJsonAsync($"/api/v1/tokens/{adminToken.Id}/rotate", new RotateTokenRequest(GraceSeconds: 604800));

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Contains("Only the owner", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("lk_", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await KubeconfigAtCreationTests.TokenCountAsync(app));
        var stored = await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Single(t => t.Id == adminToken.Id)));
        Assert.Null(stored.ReplacedByTokenId);
        Assert.True(await app.WithStoreAsync(db => Task.FromResult(
            db.AuditEvents.Any(e => e.Action == "token.rotate" && e.Outcome == "denied" && e.TargetId == adminToken.Id && e.ActorEmail == "ta@example.test"))));

        // What a token admin may do is revoke it.
        Assert.Equal(HttpStatusCode.NoContent, (await tokenAdmin.DeleteAsync($"/api/v1/tokens/{adminToken.Id}")).StatusCode);
    }

    [Fact]
    public async Task Exec_credential_works_only_at_the_Kubernetes_door()
    {
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1");
        using var admin = app.Client(await app.LoginAsync());
        var credential = await Api.ReadAsync<ClusterToken>(await admin.PostAsync("/api/v1/clusters/prod-1/credentials", null));
        using var stolen = app.Client(credential.Token);
        using var cluster = app.Client(webhook);

        Assert.True(await Reviews.AuthenticatesAsync(cluster, credential.Token));
        Assert.Equal(HttpStatusCode.Unauthorized, (await stolen.GetAsync("/api/v1/whoami")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stolen.GetAsync("/auth/verify")).StatusCode);
        // It can neither renew itself nor mint more credentials.
        Assert.Equal(HttpStatusCode.Unauthorized, (await stolen.PostAsJsonAsync("/api/v1/tokens/self/rotate", new RotateTokenRequest())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stolen.PostAsync("/api/v1/clusters/prod-1/credentials", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stolen.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("more"))).StatusCode);
    }

    [Fact]
    public async Task Exec_credential_dies_with_its_parent_at_once_even_when_both_are_cached()
    {
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1");
        var login = await app.LoginAsync();
        var parent = await app.CreateTokenAsync(login, new CreateTokenRequest("laptop"));
        using var withParent = app.Client(parent.Secret);
        var credential = await Api.ReadAsync<ClusterToken>(await withParent.PostAsync("/api/v1/clusters/prod-1/credentials", null));
        using var cluster = app.Client(webhook);
        Assert.True(await Reviews.AuthenticatesAsync(cluster, credential.Token));
        Assert.True((await Reviews.AuthorizeAsync(cluster, credential.Token)).GetProperty("allowed").GetBoolean());

        using var admin = app.Client(login);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/tokens/{parent.Id}")).StatusCode);

        var status = await Reviews.TokenReviewAsync(cluster, credential.Token);
        Assert.False(status.GetProperty("authenticated").GetBoolean());
        var listed = await Api.ReadAsync<TokenInfo>(await admin.GetAsync($"/api/v1/tokens/{credential.TokenId}"));
        Assert.Equal(TokenStatus.Revoked, listed.Status);
    }

    [Fact]
    public async Task Exec_credential_never_outlasts_its_parents_rotation_grace_or_expiry()
    {
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1");
        var login = await app.LoginAsync();
        var parent = await app.CreateTokenAsync(login, new CreateTokenRequest("laptop"));
        using var withParent = app.Client(parent.Secret);
        var rotated = await Api.ReadAsync<CreatedToken>(await withParent.PostAsJsonAsync("/api/v1/tokens/self/rotate", new RotateTokenRequest(GraceSeconds: 600)));

        var credential = await Api.ReadAsync<ClusterToken>(await withParent.PostAsync("/api/v1/clusters/prod-1/credentials", null));

        Assert.Equal(rotated.Replaces!.RetiresAt, credential.ExpiresAt);
        using var cluster = app.Client(webhook);
        app.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.False(await Reviews.AuthenticatesAsync(cluster, credential.Token));
    }

    [Fact]
    public async Task Exec_credential_made_before_its_parent_was_rotated_ends_with_the_parents_grace()
    {
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1");
        var parent = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("laptop"));
        using var withParent = app.Client(parent.Secret);
        var credential = await Api.ReadAsync<ClusterToken>(await withParent.PostAsync("/api/v1/clusters/prod-1/credentials", null));
        using var cluster = app.Client(webhook);
        Assert.True(await Reviews.AuthenticatesAsync(cluster, credential.Token));

        await Api.ReadAsync<CreatedToken>(await withParent.PostAsJsonAsync("/api/v1/tokens/self/rotate", new RotateTokenRequest(GraceSeconds: 300)));
        app.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.False(await Reviews.AuthenticatesAsync(cluster, credential.Token));
    }

    [Fact]
    public async Task The_token_policy_binds_exec_credentials_and_rotations()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddClusterAsync("prod-1");
        var login = await app.LoginAsync();
        using var admin = app.Client(login);
        var unscoped = await app.CreateTokenAsync(login, new CreateTokenRequest("old ci token"));
        var policy = await Api.ReadAsync<TokenPolicyInfo>(await admin.GetAsync("/api/v1/organization/token-policy"));
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/v1/organization/token-policy",
            new UpdateTokenPolicyRequest(policy.MaxLifetimeDays, policy.AllowNoExpiration, ["metrics:read"]))).StatusCode);
        var before = await KubeconfigAtCreationTests.TokenCountAsync(app);

        await Api.AssertProblemAsync(await admin.PostAsync("/api/v1/clusters/prod-1/credentials", null), HttpStatusCode.Forbidden);
        using var old = app.Client(unscoped.Secret);
        await Api.AssertProblemAsync(await old.PostAsJsonAsync("/api/v1/tokens/self/rotate", new RotateTokenRequest()), HttpStatusCode.Conflict);

        Assert.Equal(before, await KubeconfigAtCreationTests.TokenCountAsync(app));
    }

    [Fact]
    public async Task SubjectAccessReview_has_no_opinion_without_exactly_one_live_token_of_that_user()
    {
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1");
        var jane = await app.AddUserAsync("jane@example.test");
        await app.GrantAsync("jane@example.test", Roles.ClusterAdmin, "prod-1");
        var other = await app.AddUserAsync("other@example.test");
        using var cluster = app.Client(webhook);
        var janeUser = (await Reviews.TokenReviewAsync(cluster, jane)).GetProperty("user");
        var uid = janeUser.GetProperty("uid").GetString();
        var janeTokenId = janeUser.GetProperty("extra").GetProperty(Reviews.TokenIdExtra)[0].GetString()!;
        using var asOther = app.Client(other);
        var otherTokenId = (await Api.ReadAsync<WhoAmI>(await asOther.GetAsync("/api/v1/whoami"))).Token.Id;

        Assert.True((await Reviews.SubjectAccessReviewAsync(cluster, "jane@example.test", uid, [janeTokenId], "delete")).GetProperty("allowed").GetBoolean());
        foreach (var (@case, ids) in new (string, string[]?)[]
        {
            ("a name alone, as another authenticator would give", null),
            ("no token id", []),
            ("two token ids", [janeTokenId, janeTokenId]),
            ("someone else's token", [otherTokenId]),
            ("a token that does not exist", ["0000000000000000"]),
        })
        {
            var status = await Reviews.SubjectAccessReviewAsync(cluster, "jane@example.test", uid, ids, "delete");
            Assert.False(status.GetProperty("allowed").GetBoolean(), @case);
        }

        using var asJane = app.Client(jane);
        Assert.Equal(HttpStatusCode.NoContent, (await asJane.DeleteAsync($"/api/v1/tokens/{janeTokenId}")).StatusCode);
        Assert.False((await Reviews.SubjectAccessReviewAsync(cluster, "jane@example.test", uid, [janeTokenId], "delete")).GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task Revoking_a_token_twice_at_once_revokes_and_audits_it_once()
    {
        await using var app = await TestApp.StartAsync();
        var login = await app.LoginAsync();
        var token = await app.CreateTokenAsync(login, new CreateTokenRequest("twice"));
        using var admin = app.Client(login);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => admin.DeleteAsync($"/api/v1/tokens/{token.Id}")));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.NoContent, a.StatusCode));
        Assert.Equal(1, await app.WithStoreAsync(db => Task.FromResult(
            db.AuditEvents.Count(e => e.Action == "token.revoke" && e.Outcome == "success" && e.TargetId == token.Id))));
    }
}
