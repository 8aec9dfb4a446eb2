using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Core.Tokens;
using Latchkey.Server.ClusterAuth;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Iam;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.ClusterAuth;

/// <summary>The credentials API servers call the webhooks with: they expire, can be revoked, and say when they were last used.</summary>
public class WebhookCredentialTests
{
    [Fact]
    public async Task A_webhook_credential_stops_at_its_expiry_even_while_a_review_of_it_is_remembered()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:WebhookCredentialLifetime"] = "1.00:00:00" });
        var credential = await app.AddClusterAsync("prod-1");
        using var apiServer = app.Client(credential);

        app.Time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, await ReviewStatusAsync(apiServer));
        app.Time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.Unauthorized, await ReviewStatusAsync(apiServer));
    }

    [Fact]
    public async Task A_credential_made_before_credentials_expired_lasts_the_lifetime_from_its_creation()
    {
        await using var app = await TestApp.StartAsync();
        var credential = await app.AddClusterAsync("prod-1");
        await app.WithStoreAsync(db => db.ClusterCredentials.ExecuteUpdateAsync(s => s.SetProperty(c => c.ExpiresAt, (DateTimeOffset?)null)));
        using var apiServer = app.Client(credential);

        app.Time.Advance(TimeSpan.FromDays(365) - TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, await ReviewStatusAsync(apiServer));
        app.Time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(HttpStatusCode.Unauthorized, await ReviewStatusAsync(apiServer));
        using var admin = app.Client(await app.LoginAsync());
        var listed = Assert.Single(await Api.ReadAsync<List<WebhookCredentialInfo>>(await admin.GetAsync("/api/v1/clusters/prod-1/webhook-credentials")));
        Assert.Equal((listed.CreatedAt.AddDays(365), "expired"), (listed.ExpiresAt, listed.Status));
    }

    [Fact]
    public async Task A_revoked_credential_is_refused_on_the_very_next_review_and_the_revocation_is_audited_once()
    {
        await using var app = await TestApp.StartAsync();
        var revoked = await app.AddClusterAsync("prod-1");
        using var admin = app.Client(await app.LoginAsync());
        var kept = await IssueAsync(admin, "prod-1");
        using var revokedServer = app.Client(revoked);
        using var keptServer = app.Client(kept);
        Assert.Equal(HttpStatusCode.OK, await ReviewStatusAsync(revokedServer));
        var id = await CredentialIdAsync(app, revoked);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/clusters/prod-1/webhook-credentials/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await ReviewStatusAsync(revokedServer));
        Assert.Equal(HttpStatusCode.OK, await ReviewStatusAsync(keptServer));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/clusters/prod-1/webhook-credentials/{id}")).StatusCode);
        var audited = Assert.Single(await app.AuditedAsync("webhook-credential.revoke"));
        Assert.Equal(("cluster", "prod-1", "success"), (audited.TargetType, audited.TargetId, audited.Outcome));
        Assert.Contains(id.ToString(), audited.Detail, StringComparison.Ordinal);
        Assert.Equal(2, (await app.AuditedAsync("webhook-credential.create")).Count);
        var stored = await app.WithStoreAsync(db => db.ClusterCredentials.SingleAsync(c => c.Id == id));
        Assert.Equal((app.Time.GetUtcNow(), await app.UserIdAsync(TestApp.AdminEmail)), (stored.RevokedAt, stored.RevokedByUserId));
    }

    [Fact]
    public async Task Cluster_admins_list_a_cluster_s_credentials_with_who_made_them_when_they_expire_and_their_last_use()
    {
        await using var app = await TestApp.StartAsync();
        var used = await app.AddClusterAsync("prod-1");
        var usedAt = app.Time.GetUtcNow();
        using (var apiServer = app.Client(used))
        {
            Assert.Equal(HttpStatusCode.OK, await ReviewStatusAsync(apiServer));
        }

        await app.AddUserAsync("ops@example.test", role: Roles.OrgAdmin);
        using var ops = app.Client(await app.LoginAsync("ops@example.test", "pw-ops@example.test"));
        app.Time.Advance(TimeSpan.FromHours(1));
        await IssueAsync(ops, "prod-1");
        await app.AddClusterAsync("prod-2");

        var listed = await Api.ReadAsync<List<WebhookCredentialInfo>>(await ops.GetAsync("/api/v1/clusters/prod-1/webhook-credentials"));

        Assert.Equal([TestApp.AdminEmail, "ops@example.test"], listed.Select(c => c.CreatedBy));
        Assert.Equal([usedAt, usedAt.AddHours(1)], listed.Select(c => c.CreatedAt));
        Assert.Equal([usedAt.AddDays(365), usedAt.AddHours(1).AddDays(365)], listed.Select(c => c.ExpiresAt));
        Assert.Equal([usedAt, null], listed.Select(c => c.LastUsedAt));
        Assert.Equal(["active", "active"], listed.Select(c => c.Status));
        Assert.All(listed, c => Assert.Null(c.RevokedAt));
        Assert.Equal(await CredentialIdAsync(app, used), listed[0].Id);

        Assert.Equal(HttpStatusCode.NoContent, (await ops.DeleteAsync($"/api/v1/clusters/prod-1/webhook-credentials/{listed[1].Id}")).StatusCode);
        var after = await Api.ReadAsync<List<WebhookCredentialInfo>>(await ops.GetAsync("/api/v1/clusters/prod-1/webhook-credentials"));
        Assert.Equal(("revoked", app.Time.GetUtcNow(), "ops@example.test"), (after[1].Status, after[1].RevokedAt, after[1].RevokedBy));
        var json = await (await ops.GetAsync("/api/v1/clusters/prod-1/webhook-credentials")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("secret", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("digest", json, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Last_use_is_gathered_in_memory_and_written_in_one_batch_not_once_per_review()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:WriteBehindInterval"] = "01:00:00" });
        var credential = await app.AddClusterAsync("prod-1");
        using var apiServer = app.Client(credential);
        var updatesBefore = CredentialUpdates(app);

        for (var i = 0; i < 10; i++)
        {
            app.Time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(HttpStatusCode.OK, await ReviewStatusAsync(apiServer));
        }

        Assert.Equal(updatesBefore, CredentialUpdates(app));
        Assert.Null(await app.WithStoreAsync(db => db.ClusterCredentials.Select(c => c.LastUsedAt).SingleAsync()));
        await app.Services.GetRequiredService<WebhookCredentialUses>().FlushAsync();

        Assert.Equal(updatesBefore + 1, CredentialUpdates(app));
        Assert.Equal(app.Time.GetUtcNow(), await app.WithStoreAsync(db => db.ClusterCredentials.Select(c => c.LastUsedAt).SingleAsync()));
    }

    [Fact]
    public async Task Another_organization_s_cluster_and_credentials_are_not_found_and_members_may_not_list_or_revoke()
    {
        await using var app = await TestApp.StartAsync();
        var credential = await app.AddClusterAsync("prod-1");
        var id = await CredentialIdAsync(app, credential);
        var other = await app.AddOrganizationAsync("other");
        using var outsider = app.Client(await app.AddUserAsync("admin@other.test", other, Roles.OrgAdmin));
        using var member = app.Client(await app.AddUserAsync("dev@example.test"));
        using var admin = app.Client(await app.LoginAsync());

        await Api.AssertProblemAsync(await outsider.GetAsync("/api/v1/clusters/prod-1/webhook-credentials"), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await outsider.DeleteAsync($"/api/v1/clusters/prod-1/webhook-credentials/{id}"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Created, (await outsider.PostAsJsonAsync("/api/v1/clusters", new CreateClusterRequest("prod-1", "https://other.example.test"))).StatusCode);
        await Api.AssertProblemAsync(await outsider.DeleteAsync($"/api/v1/clusters/prod-1/webhook-credentials/{id}"), HttpStatusCode.NotFound);
        Assert.Empty(await Api.ReadAsync<List<WebhookCredentialInfo>>(await outsider.GetAsync("/api/v1/clusters/prod-1/webhook-credentials")));
        await Api.AssertProblemAsync(await admin.DeleteAsync($"/api/v1/clusters/prod-1/webhook-credentials/{Guid.CreateVersion7()}"), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await admin.GetAsync("/api/v1/clusters/nope/webhook-credentials"), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await member.GetAsync("/api/v1/clusters/prod-1/webhook-credentials"), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await member.DeleteAsync($"/api/v1/clusters/prod-1/webhook-credentials/{id}"), HttpStatusCode.Forbidden);

        using var apiServer = app.Client(credential);
        Assert.Equal(HttpStatusCode.OK, await ReviewStatusAsync(apiServer));
        var attempts = await app.AuditedAsync("webhook-credential.revoke");
        Assert.Equal(4, attempts.Count);
        Assert.All(attempts, e => Assert.Equal("denied", e.Outcome));
    }

    internal static async Task<HttpStatusCode> ReviewStatusAsync(HttpClient apiServer)
    {
        using var response = await apiServer.PostAsync("/apis/authentication.k8s.io/v1/tokenreviews",
            new StringContent(TokenReviewTests.Review(TokenFormat.Generate()), System.Text.Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }

    private static async Task<string> IssueAsync(HttpClient admin, string cluster)
    {
        var config = await Api.ReadAsync<WebhookConfig>(await admin.GetAsync($"/api/v1/clusters/{cluster}/webhook-config"));
        return System.Text.RegularExpressions.Regex.Match(config.AuthenticationConfig, @"token: (lk_\w+)").Groups[1].Value;
    }

    private static Task<Guid> CredentialIdAsync(TestApp app, string secret)
    {
        var digest = app.Services.GetRequiredService<Latchkey.Server.Verification.TokenKeyRing>().Digest(secret).ToArray();
        return app.WithStoreAsync(db => db.ClusterCredentials.Where(c => c.SecretDigest == digest).Select(c => c.Id).SingleAsync());
    }

    private static int CredentialUpdates(TestApp app) =>
        app.Queries.Texts.Count(t => t.Contains("UPDATE \"ClusterCredentials\"", StringComparison.Ordinal));
}
