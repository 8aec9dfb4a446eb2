using System.Net;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Audit;

public class AuditTests
{
    [Fact]
    public async Task Admin_reads_login_create_delete_and_failed_authentication_newest_first()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:WriteBehindInterval"] = "01:00:00" });
        var admin = await app.LoginAsync();
        var created = await app.CreateTokenAsync(admin, new CreateTokenRequest("audited"));
        using var adminClient = app.Client(admin);
        await adminClient.DeleteAsync($"/api/v1/tokens/{created.Id}");
        using (var revoked = app.Client(created.Secret))
        {
            await revoked.GetAsync("/api/v1/whoami");
        }

        var page = await Api.ReadAsync<Page<AuditEventInfo>>(await adminClient.GetAsync("/api/v1/audit"));

        var actions = page.Items.Select(e => e.Action).ToList();
        Assert.Equal(["auth.failed", "token.revoke", "token.create", "login", "organization.bootstrap"], actions);
        var failed = page.Items[0];
        Assert.Equal("failure", failed.Outcome);
        Assert.Equal(created.Id, failed.TargetId);
        Assert.Contains("Revoked", failed.Detail, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", failed.SourceAddress);
        var create = page.Items[2];
        Assert.Equal(TestApp.AdminEmail, create.Actor.Email);
        Assert.Equal(created.Id, create.TargetId);
        Assert.Equal(app.Time.GetUtcNow(), create.Time);
    }

    [Fact]
    public async Task A_revocation_is_in_the_store_and_the_audit_log_as_soon_as_it_is_answered()
    {
        // No background writing at all: what is there was committed with the change.
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:AuditFlushInterval"] = "01:00:00", ["Latchkey:WriteBehindInterval"] = "01:00:00" });
        var admin = await app.LoginAsync();
        var created = await app.CreateTokenAsync(admin, new CreateTokenRequest("revoked at once"));
        using var client = app.Client(admin);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/tokens/{created.Id}")).StatusCode);

        var stored = await AuditQueueProbe.StoredAsync(app, e => e.Action == "token.revoke" && e.TargetId == created.Id);
        Assert.Equal((1, 1L), stored);
        var page = await Api.ReadAsync<Page<AuditEventInfo>>(await client.GetAsync("/api/v1/audit?action=token.revoke"));
        var revoke = Assert.Single(page.Items);
        Assert.Equal(created.Id, revoke.TargetId);
        Assert.Equal(1, revoke.Count);
    }

    [Fact]
    public async Task Repeated_failures_are_one_event_with_their_count_in_the_audit_log_and_the_export()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:AuditFlushInterval"] = "01:00:00" });
        var admin = await app.LoginAsync();
        var created = await app.CreateTokenAsync(admin, new CreateTokenRequest("revoked then used"));
        using var client = app.Client(admin);
        await client.DeleteAsync($"/api/v1/tokens/{created.Id}");
        using (var revoked = app.Client(created.Secret))
        {
            for (var i = 0; i < 7; i++)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await revoked.GetAsync("/api/v1/whoami")).StatusCode);
            }
        }

        var page = await Api.ReadAsync<Page<AuditEventInfo>>(await client.GetAsync("/api/v1/audit?action=auth.failed"));
        var failed = Assert.Single(page.Items);
        Assert.Equal(7, failed.Count);
        Assert.Equal(created.Id, failed.TargetId);
        var export = await client.GetStringAsync("/api/v1/audit/export");
        Assert.Contains("\"action\":\"auth.failed\"", export, StringComparison.Ordinal);
        Assert.Contains("\"count\":7", export, StringComparison.Ordinal);
        using var console = await ConsoleClient.SignInAsync(app);
        Assert.Equal(HttpStatusCode.OK, (await console.GetAsync("/audit?action=auth.failed")).StatusCode);
        Assert.Contains("7 times", console.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_calls_without_a_valid_webhook_credential_are_audited_as_one_failure_with_a_count()
    {
        await using var app = await TestApp.StartAsync();
        using var stranger = app.Client("lk_not_a_webhook_credential");
        for (var i = 0; i < 5; i++)
        {
            var review = new StringContent("""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"x"}}""", System.Text.Encoding.UTF8, "application/json");
            Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.PostAsync("/apis/authentication.k8s.io/v1/tokenreviews", review)).StatusCode);
        }

        await app.Services.GetRequiredService<Server.Audit.AuditLog>().FlushAsync();
        var stored = await AuditQueueProbe.StoredAsync(app, e => e.Action == "auth.failed" && e.Detail == "TokenReview without a valid webhook credential");
        Assert.Equal((1, 5L), stored);
    }

    [Fact]
    public async Task Audit_log_filters_and_pages()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        for (var i = 0; i < 5; i++)
        {
            await app.CreateTokenAsync(admin, new CreateTokenRequest($"t{i}"));
        }

        using var client = app.Client(admin);
        var first = await Api.ReadAsync<Page<AuditEventInfo>>(await client.GetAsync("/api/v1/audit?action=token.create&limit=3"));
        Assert.Equal(3, first.Items.Count);
        Assert.NotNull(first.NextCursor);
        var second = await Api.ReadAsync<Page<AuditEventInfo>>(await client.GetAsync($"/api/v1/audit?action=token.create&limit=3&cursor={first.NextCursor}"));
        Assert.Equal(2, second.Items.Count);
        Assert.Null(second.NextCursor);
        Assert.All(first.Items.Concat(second.Items), e => Assert.Equal("token.create", e.Action));
        Assert.Equal(5, first.Items.Concat(second.Items).Select(e => e.TargetId).Distinct().Count());
    }

    [Fact]
    public async Task Export_gives_every_event_of_the_organization_as_json_lines_oldest_first()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        for (var i = 0; i < 3; i++)
        {
            await app.CreateTokenAsync(admin, new CreateTokenRequest($"t{i}"));
        }

        var other = await app.AddOrganizationAsync("other");
        await app.AddUserAsync("c@other.test", other, Server.Iam.Roles.OrgAdmin);
        using var client = app.Client(admin);

        var response = await client.GetAsync("/api/v1/audit/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var events = lines.Select(l => System.Text.Json.JsonSerializer.Deserialize<AuditEventInfo>(l, System.Text.Json.JsonSerializerOptions.Web)!).ToList();
        var stored = await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Count(e => e.OrganizationId == db.Organizations.Single(o => o.Slug == "default").Id)));
        Assert.Equal(stored, events.Count);
        Assert.Equal(events.OrderBy(e => e.Id).Select(e => e.Id), events.Select(e => e.Id));
        Assert.Equal(3, events.Count(e => e.Action == "token.create"));
        Assert.DoesNotContain(events, e => e.Actor.Email == "c@other.test");
    }

    [Fact]
    public async Task Members_cannot_read_the_audit_log()
    {
        await using var app = await TestApp.StartAsync();
        using var member = app.Client(await app.AddUserAsync("m@example.test"));

        await Api.AssertProblemAsync(await member.GetAsync("/api/v1/audit"), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await member.GetAsync("/api/v1/audit/export"), HttpStatusCode.Forbidden);
    }
}
