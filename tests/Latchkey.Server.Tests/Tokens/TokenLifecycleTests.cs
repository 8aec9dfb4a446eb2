using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Tokens;

public class TokenLifecycleTests
{
    [Fact]
    public async Task Created_token_authenticates_whoami_and_fails_on_the_very_next_call_after_delete()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        var created = await app.CreateTokenAsync(admin, new CreateTokenRequest("ci deploy", "for the pipeline"));

        using var client = app.Client(created.Secret);
        var me = await Api.ReadAsync<WhoAmI>(await client.GetAsync("/api/v1/whoami"));
        Assert.Equal(TestApp.AdminEmail, me.User.Email);
        Assert.Equal(created.Id, me.Token.Id);
        Assert.Equal("default", me.Organization.Slug);

        using var adminClient = app.Client(admin);
        Assert.Equal(HttpStatusCode.NoContent, (await adminClient.DeleteAsync($"/api/v1/tokens/{created.Id}")).StatusCode);

        var after = await client.GetAsync("/api/v1/whoami");
        await Api.AssertProblemAsync(after, HttpStatusCode.Unauthorized);
        Assert.Contains("invalid_token", after.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        var shown = await Api.ReadAsync<TokenInfo>(await adminClient.GetAsync($"/api/v1/tokens/{created.Id}"));
        Assert.Equal(TokenStatus.Revoked, shown.Status);
        Assert.Equal(app.Time.GetUtcNow(), shown.RevokedAt);
    }

    [Fact]
    public async Task A_token_can_delete_itself()
    {
        await using var app = await TestApp.StartAsync();
        var created = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("self"));
        using var client = app.Client(created.Secret);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/tokens/{created.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/whoami")).StatusCode);
    }

    [Fact]
    public async Task Expired_token_is_rejected_and_listed_as_expired()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        var created = await app.CreateTokenAsync(admin, new CreateTokenRequest("short", ExpiresInDays: 1));
        using var client = app.Client(created.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);

        app.Time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);

        app.Time.Advance(TimeSpan.FromSeconds(1));
        await Api.AssertProblemAsync(await client.GetAsync("/api/v1/whoami"), HttpStatusCode.Unauthorized);

        using var adminClient = app.Client(await app.LoginAsync());
        var expired = await Api.ReadAsync<Page<TokenInfo>>(await adminClient.GetAsync("/api/v1/tokens?status=expired"));
        Assert.Equal(created.Id, Assert.Single(expired.Items).Id);
    }

    [Fact]
    public async Task Expiration_defaults_to_30_days_and_accepts_presets_dates_and_never_when_allowed()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        var now = app.Time.GetUtcNow();

        Assert.Equal(now.AddDays(30), (await app.CreateTokenAsync(admin, new CreateTokenRequest("default"))).ExpiresAt);
        foreach (var days in new[] { 1, 7, 30, 60, 90, 365 })
        {
            Assert.Equal(now.AddDays(days), (await app.CreateTokenAsync(admin, new CreateTokenRequest($"preset {days}", ExpiresInDays: days))).ExpiresAt);
        }

        var date = new DateTimeOffset(2027, 1, 31, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(date, (await app.CreateTokenAsync(admin, new CreateTokenRequest("date", ExpiresAt: date))).ExpiresAt);

        await app.AllowNoExpirationAsync();
        var forever = await app.CreateTokenAsync(admin, new CreateTokenRequest("forever", NoExpiration: true));
        Assert.Null(forever.ExpiresAt);
        app.Time.Advance(TimeSpan.FromDays(3650));
        using var client = app.Client(forever.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
    }

    [Fact]
    public async Task Tokens_survive_a_restart_and_last_use_is_kept()
    {
        await using var app = await TestApp.StartAsync();
        var created = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("durable"));
        using (var client = app.Client(created.Secret))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
            var shown = await Api.ReadAsync<TokenInfo>(await client.GetAsync($"/api/v1/tokens/{created.Id}"));
            Assert.Equal(app.Time.GetUtcNow(), shown.LastUsedAt);
            Assert.Equal("127.0.0.1", shown.LastUsedFrom);
        }

        var usedAt = app.Time.GetUtcNow();
        app.Time.Advance(TimeSpan.FromMinutes(5));
        await app.RestartAsync();

        using var again = app.Client(created.Secret);
        var me = await Api.ReadAsync<WhoAmI>(await again.GetAsync("/api/v1/whoami"));
        Assert.Equal(created.Id, me.Token.Id);
        var persisted = await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Single(t => t.Id == created.Id).LastUsedAt));
        Assert.Equal(usedAt, persisted);
    }

    [Fact]
    public async Task Listing_pages_with_a_cursor_newest_first_and_filters_by_status()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            app.Time.Advance(TimeSpan.FromSeconds(1));
            ids.Add((await app.CreateTokenAsync(admin, new CreateTokenRequest($"t{i}"))).Id);
        }

        using var client = app.Client(admin);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/tokens/{ids[2]}")).StatusCode);

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Api.ReadAsync<Page<TokenInfo>>(await client.GetAsync($"/api/v1/tokens?limit=3{(cursor is null ? "" : "&cursor=" + cursor)}"));
            Assert.True(page.Items.Count <= 3);
            seen.AddRange(page.Items.Select(t => t.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        // Seven made here plus the login token, newest first, each once.
        Assert.Equal(8, seen.Count);
        Assert.Equal(ids.AsEnumerable().Reverse(), seen.Take(7));

        var revoked = await Api.ReadAsync<Page<TokenInfo>>(await client.GetAsync("/api/v1/tokens?status=revoked"));
        Assert.Equal(ids[2], Assert.Single(revoked.Items).Id);
        var active = await Api.ReadAsync<Page<TokenInfo>>(await client.GetAsync("/api/v1/tokens?status=active"));
        Assert.Equal(7, active.Items.Count);
        Assert.DoesNotContain(active.Items, t => t.Id == ids[2]);
    }

    [Fact]
    public async Task Login_token_is_listed_named_for_where_it_came_from_and_expires_in_30_days()
    {
        await using var app = await TestApp.StartAsync();
        using var anonymous = app.Client();
        anonymous.DefaultRequestHeaders.UserAgent.ParseAdd("latchkey-cli/1.0");
        var login = await Api.ReadAsync<LoginResponse>(await anonymous.PostAsJsonAsync("/api/v1/login", new LoginRequest(TestApp.AdminEmail, TestApp.AdminPassword)));

        Assert.Equal(app.Time.GetUtcNow().AddDays(30), login.ExpiresAt);
        using var client = app.Client(login.Token);
        var listed = Assert.Single((await Api.ReadAsync<Page<TokenInfo>>(await client.GetAsync("/api/v1/tokens"))).Items);
        Assert.Equal(login.TokenId, listed.Id);
        Assert.Equal("login", listed.CreatedVia);
        Assert.Contains("latchkey-cli/1.0", listed.Name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_password_is_401_and_audited()
    {
        await using var app = await TestApp.StartAsync();
        using var anonymous = app.Client();

        await Api.AssertProblemAsync(await anonymous.PostAsJsonAsync("/api/v1/login", new LoginRequest(TestApp.AdminEmail, "nope")), HttpStatusCode.Unauthorized);
        await Api.AssertProblemAsync(await anonymous.PostAsJsonAsync("/api/v1/login", new LoginRequest("nobody@example.test", "nope")), HttpStatusCode.Unauthorized);

        var failures = await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Where(e => e.Action == "login" && e.Outcome == "failure").ToList()));
        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, e => e.TargetId == TestApp.AdminEmail && e.SourceAddress == "127.0.0.1");
    }
}
