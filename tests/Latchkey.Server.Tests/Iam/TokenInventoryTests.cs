using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Iam;

/// <summary>Token admins see the organization's tokens through filters and revoke many at once.</summary>
public class TokenInventoryTests
{
    [Fact]
    public async Task Filters_find_tokens_by_owner_creation_last_use_and_coming_expiry()
    {
        await using var app = await TestApp.StartAsync();
        var viewer = await app.AddUserAsync("viewer@example.test", role: Roles.TokenViewer);
        var jane = await app.AddUserAsync("jane@example.test");
        var old = await app.CreateTokenAsync(jane, new CreateTokenRequest("old", ExpiresInDays: 5));
        var cutoff = app.Time.GetUtcNow().AddMinutes(1);
        app.Time.Advance(TimeSpan.FromMinutes(2));
        var used = await app.CreateTokenAsync(jane, new CreateTokenRequest("used", ExpiresInDays: 60));
        using (var client = app.Client(used.Secret))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        }

        var janeId = await app.WithStoreAsync(db => Task.FromResult(db.Users.Single(u => u.Email == "jane@example.test").Id));
        using var admin = app.Client(viewer);
        async Task<List<string>> IdsAsync(string query) =>
            [.. (await Api.ReadAsync<Page<TokenInfo>>(await admin.GetAsync("/api/v1/tokens?" + query))).Items.Select(t => t.Id).Order()];

        var janes = await Api.ReadAsync<Page<TokenInfo>>(await admin.GetAsync($"/api/v1/tokens?owner={janeId}"));
        Assert.All(janes.Items, t => Assert.Equal("jane@example.test", t.Owner.Email));
        Assert.Contains(old.Id, janes.Items.Select(t => t.Id));
        Assert.Contains(used.Id, janes.Items.Select(t => t.Id));
        var before = await IdsAsync($"owner={janeId}&createdBefore={Uri.EscapeDataString(cutoff.ToString("O"))}");
        Assert.Contains(old.Id, before);
        Assert.DoesNotContain(used.Id, before);
        Assert.Equal([used.Id], await IdsAsync($"owner={janeId}&createdAfter={Uri.EscapeDataString(cutoff.ToString("O"))}"));
        Assert.Equal([old.Id], await IdsAsync($"owner=all&expiringWithinDays=7"));
        // Never used counts as "not used since": those are the ones worth cleaning up.
        Assert.Contains(old.Id, await IdsAsync($"owner=all&lastUsedBefore={Uri.EscapeDataString(app.Time.GetUtcNow().ToString("O"))}"));
        Assert.DoesNotContain(used.Id, await IdsAsync($"owner=all&lastUsedBefore={Uri.EscapeDataString(cutoff.ToString("O"))}"));

        await Api.AssertProblemAsync(await admin.GetAsync("/api/v1/tokens?owner=nobody"), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await admin.GetAsync("/api/v1/tokens?createdBefore=yesterday"), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await admin.GetAsync("/api/v1/tokens?expiringWithinDays=-1"), HttpStatusCode.BadRequest);
        // A plain member may not look at another member's tokens.
        await Api.AssertProblemAsync(await app.Client(jane).GetAsync($"/api/v1/tokens?owner={janeId}&limit=5"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_token_admin_revokes_many_at_once_and_each_fails_at_once()
    {
        await using var app = await TestApp.StartAsync();
        var tokenAdmin = await app.AddUserAsync("tokens@example.test", role: Roles.TokenAdmin);
        var jane = await app.AddUserAsync("jane@example.test");
        var bob = await app.AddUserAsync("bob@example.test");
        var first = await app.CreateTokenAsync(jane, new CreateTokenRequest("a"));
        var second = await app.CreateTokenAsync(bob, new CreateTokenRequest("b"));
        var kept = await app.CreateTokenAsync(bob, new CreateTokenRequest("c"));
        using (var client = app.Client(first.Secret))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        }

        using var admin = app.Client(tokenAdmin);
        var result = await Api.ReadAsync<RevokedTokens>(await admin.PostAsJsonAsync("/api/v1/tokens/revoke",
            new RevokeTokensRequest([first.Id, second.Id, "nosuchtoken00000"], "offboarding")));

        Assert.Equal(new[] { first.Id, second.Id }.Order(), result.Revoked.Order());
        Assert.Equal(["nosuchtoken00000"], result.NotFound);
        foreach (var secret in new[] { first.Secret, second.Secret })
        {
            using var client = app.Client(secret);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        }

        using (var client = app.Client(kept.Secret))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        }

        var reasons = await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Where(t => t.RevokedAt != null).Select(t => t.RevocationReason).ToList()));
        Assert.All(reasons, r => Assert.Equal("offboarding", r));
    }

    [Fact]
    public async Task A_member_bulk_revokes_only_their_own_and_bad_batches_are_refused()
    {
        await using var app = await TestApp.StartAsync();
        var jane = await app.AddUserAsync("jane@example.test");
        var bob = await app.AddUserAsync("bob@example.test");
        var mine = await app.CreateTokenAsync(jane, new CreateTokenRequest("mine"));
        var his = await app.CreateTokenAsync(bob, new CreateTokenRequest("his"));
        using var client = app.Client(jane);

        var result = await Api.ReadAsync<RevokedTokens>(await client.PostAsJsonAsync("/api/v1/tokens/revoke", new RevokeTokensRequest([mine.Id, his.Id])));
        Assert.Equal([mine.Id], result.Revoked);
        Assert.Equal([his.Id], result.NotFound);

        await Api.AssertProblemAsync(await client.PostAsJsonAsync("/api/v1/tokens/revoke", new RevokeTokensRequest([])), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await client.PostAsJsonAsync("/api/v1/tokens/revoke",
            new RevokeTokensRequest([.. Enumerable.Range(0, 1001).Select(i => $"t{i}")])), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await client.PostAsJsonAsync("/api/v1/tokens/revoke",
            new RevokeTokensRequest([his.Id], "line\nbreak")), HttpStatusCode.BadRequest);
        using var bobClient = app.Client(his.Secret);
        Assert.Equal(HttpStatusCode.OK, (await bobClient.GetAsync("/api/v1/whoami")).StatusCode);
    }
}
