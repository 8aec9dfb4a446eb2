using System.Net;
using Latchkey.Server.ClusterAuth;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.ClusterAuth;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests.Console;

/// <summary>A cluster's webhook credentials on its console page, without script: listed, and revoked after a confirmation page.</summary>
public class WebhookCredentialPageTests
{
    [Fact]
    public async Task An_admin_sees_the_cluster_s_credentials_and_revokes_one_after_confirming_and_it_stops_at_once()
    {
        await using var app = await TestApp.StartAsync();
        var secret = await app.AddClusterAsync("prod-1");
        var id = await app.WithStoreAsync(db => db.ClusterCredentials.Select(c => c.Id).SingleAsync());
        using var apiServer = app.Client(secret);
        Assert.Equal(HttpStatusCode.OK, await WebhookCredentialTests.ReviewStatusAsync(apiServer));
        using var admin = await ConsoleClient.SignInAsync(app);

        await admin.GetAsync("/clusters/prod-1");
        Assert.Contains(id.ToString(), admin.Html, StringComparison.Ordinal);
        Assert.Contains($"by {TestApp.AdminEmail}", admin.Html, StringComparison.Ordinal);
        Assert.Contains($"href=\"/clusters/prod-1/webhook-credentials/{id}/revoke\"", admin.Html, StringComparison.Ordinal);

        await admin.GetAsync($"/clusters/prod-1/webhook-credentials/{id}/revoke");
        Assert.Contains("Revoke this webhook credential", admin.Html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await WebhookCredentialTests.ReviewStatusAsync(apiServer));

        await admin.SubmitAsync($"/clusters/prod-1/webhook-credentials/{id}/revoke", new());

        Assert.Equal("/clusters/prod-1", admin.Location?.AbsolutePath);
        Assert.Contains("The webhook credential was revoked", admin.Html, StringComparison.Ordinal);
        Assert.Contains(">revoked</span>", admin.Html, StringComparison.Ordinal);
        Assert.DoesNotContain($"/webhook-credentials/{id}/revoke", admin.Html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, await WebhookCredentialTests.ReviewStatusAsync(apiServer));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/clusters/prod-1/webhook-credentials/{id}/revoke")).StatusCode);
        Assert.Single(await app.WithStoreAsync(db => db.AuditEvents.Where(e => e.Action == WebhookCredentials.RevokeAction).ToListAsync()));
    }

    [Fact]
    public async Task Members_who_may_only_use_the_cluster_see_no_credentials_and_cannot_reach_the_revocation()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddClusterAsync("prod-1");
        var id = await app.WithStoreAsync(db => db.ClusterCredentials.Select(c => c.Id).SingleAsync());
        await app.AddUserAsync("dev@example.test", role: Roles.ClusterViewer);
        using var member = await ConsoleClient.SignInAsync(app, "dev@example.test", "pw-dev@example.test");

        await member.GetAsync("/clusters/prod-1");
        Assert.Equal(HttpStatusCode.OK, member.Last!.StatusCode);
        Assert.DoesNotContain(id.ToString(), member.Html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync($"/clusters/prod-1/webhook-credentials/{id}/revoke")).StatusCode);
        await member.GetAsync("/tokens");
        Assert.Equal(HttpStatusCode.NotFound, (await member.PostAsync($"/clusters/prod-1/webhook-credentials/{id}/revoke",
            new() { ["__RequestVerificationToken"] = member.AntiforgeryToken() })).StatusCode);
        Assert.Null(await app.WithStoreAsync(db => db.ClusterCredentials.Select(c => c.RevokedAt).SingleAsync()));
    }
}
