using System.Net;
using System.Net.Http.Json;
using System.Text;
using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Lifecycle;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Lifecycle;

public class RotationTests
{
    /// <summary>What a rotation gives the new token afresh: identity, secret, times, state.</summary>
    private static readonly HashSet<string> Renewed =
    [
        nameof(AccessToken.Id), nameof(AccessToken.SecretDigest), nameof(AccessToken.DigestKeyId), nameof(AccessToken.CreatedAt),
        nameof(AccessToken.ExpiresAt), nameof(AccessToken.CreatedVia), nameof(AccessToken.RevokedAt), nameof(AccessToken.RevokedByUserId),
        nameof(AccessToken.RevocationReason), nameof(AccessToken.LastUsedAt), nameof(AccessToken.LastUsedFrom),
        nameof(AccessToken.ReplacedByTokenId), nameof(AccessToken.RetiresAt), nameof(AccessToken.User),
        // Tokens with a parent (exec credentials) are never rotated, so a successor has none.
        nameof(AccessToken.ParentTokenId),
    ];

    /// <summary>What a rotation keeps: who owns the token, what it is called, and everything that narrows it.</summary>
    private static readonly HashSet<string> CarriedOver =
    [
        nameof(AccessToken.OrganizationId), nameof(AccessToken.UserId), nameof(AccessToken.Name), nameof(AccessToken.Note), nameof(AccessToken.AllowedCidrs),
        nameof(AccessToken.Scopes),
    ];

    [Fact]
    public async Task Every_property_of_a_token_is_either_carried_over_by_rotation_or_renewed()
    {
        // A property added to tokens later (a scope, a limit) fails here until it is put on one side, and copied by TokenRotation if it narrows the token.
        var unclassified = typeof(AccessToken).GetProperties().Select(p => p.Name).Where(p => !Renewed.Contains(p) && !CarriedOver.Contains(p)).ToList();
        Assert.True(unclassified.Count == 0, $"AccessToken.{string.Join(", AccessToken.", unclassified)}: add to CarriedOver (and copy in TokenRotation) or to Renewed");

        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var admin = await app.LoginAsync();
        var old = await app.CreateTokenAsync(admin, new CreateTokenRequest("full", "with a note", Scopes: ["metrics:read"], AllowedCidrs: ["127.0.0.0/8"]));
        using var client = app.Client(admin);
        var rotated = await Api.ReadAsync<CreatedToken>(await client.PostAsync($"/api/v1/tokens/{old.Id}/rotate", null));

        var rows = await app.WithStoreAsync(db => db.AccessTokens.AsNoTracking().Where(t => t.Id == old.Id || t.Id == rotated.Id).ToListAsync());
        var (before, after) = (rows.Single(t => t.Id == old.Id), rows.Single(t => t.Id == rotated.Id));
        foreach (var property in typeof(AccessToken).GetProperties().Where(p => CarriedOver.Contains(p.Name)))
        {
            Assert.True(Equals(property.GetValue(before), property.GetValue(after)), $"rotation did not carry {property.Name} over");
        }
    }

    [Fact]
    public async Task With_a_grace_period_both_tokens_work_at_every_door_until_it_ends_then_only_the_new_one()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var doors = await Doors.OpenAsync(app);
        var admin = await app.LoginAsync();
        var old = await app.CreateTokenAsync(admin, new CreateTokenRequest("ci-deploy", "pipeline", ExpiresInDays: 90));
        await doors.AssertEverywhereAsync(old.Secret, works: true);
        app.Time.Advance(TimeSpan.FromDays(1));

        using var client = app.Client(admin);
        var response = await client.PostAsJsonAsync($"/api/v1/tokens/{old.Id}/rotate", new RotateTokenRequest(3600));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var rotated = await Api.ReadAsync<CreatedToken>(response);
        Assert.NotEqual(old.Id, rotated.Id);
        Assert.Equal(("ci-deploy", "pipeline"), (rotated.Name, rotated.Note));
        Assert.Equal(app.Time.GetUtcNow().AddDays(90), rotated.ExpiresAt);
        Assert.Equal(new RotationInfo(old.Id, app.Time.GetUtcNow().AddHours(1)), rotated.Replaces);
        Assert.Equal($"/api/v1/tokens/{rotated.Id}", response.Headers.Location?.ToString());

        await doors.AssertEverywhereAsync(old.Secret, works: true);
        await doors.AssertEverywhereAsync(rotated.Secret, works: true);
        app.Time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        await doors.AssertEverywhereAsync(old.Secret, works: true);

        // The grace period ends on the second, before any job has written the revocation down.
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await doors.AssertEverywhereAsync(old.Secret, works: false);
        await doors.AssertEverywhereAsync(rotated.Secret, works: true);
        var shown = await Api.ReadAsync<TokenInfo>(await client.GetAsync($"/api/v1/tokens/{old.Id}"));
        Assert.Equal((TokenStatus.Revoked, rotated.Id, "rotated"), (shown.Status, shown.ReplacedBy, shown.RevocationReason));

        var sweep = app.Services.GetRequiredService<RotationSweep>();
        Assert.Equal(1, await sweep.RunOnceAsync());
        Assert.Equal(0, await sweep.RunOnceAsync());
        var row = await app.WithStoreAsync(db => db.AccessTokens.SingleAsync(t => t.Id == old.Id));
        Assert.Equal(("rotated", app.Time.GetUtcNow()), (row.RevocationReason, row.RevokedAt));
    }

    [Fact]
    public async Task Without_a_grace_period_the_old_token_works_until_the_new_one_is_first_used()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var doors = await Doors.OpenAsync(app);
        var old = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("automation"));
        await doors.AssertEverywhereAsync(old.Secret, works: true);

        using var self = app.Client(old.Secret);
        var rotated = await Api.ReadAsync<CreatedToken>(await self.PostAsync("/api/v1/tokens/self/rotate", null));
        Assert.Equal(new RotationInfo(old.Id, null), rotated.Replaces);
        app.Time.Advance(TimeSpan.FromDays(3));
        await doors.AssertEverywhereAsync(old.Secret, works: true);

        // The first successful use of the new token retires the old one, on the spot.
        Assert.Equal(HttpStatusCode.OK, await doors.ForwardAuthAsync(rotated.Secret));
        await doors.AssertEverywhereAsync(old.Secret, works: false);
        await doors.AssertEverywhereAsync(rotated.Secret, works: true);

        var row = await app.WithStoreAsync(db => db.AccessTokens.SingleAsync(t => t.Id == old.Id));
        Assert.Equal(("rotated", rotated.Id), (row.RevocationReason, row.ReplacedByTokenId));
        var revoked = await app.WithStoreAsync(db => db.AuditEvents.SingleAsync(e => e.Action == "token.revoke" && e.TargetId == old.Id));
        Assert.Contains(rotated.Id, revoked.Detail, StringComparison.Ordinal);
        Assert.Equal(0, await app.Services.GetRequiredService<RotationSweep>().RunOnceAsync());
    }

    [Fact]
    public async Task A_retired_token_presented_again_is_refused_audited_and_reported_to_its_owner_once()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var doors = await Doors.OpenAsync(app);
        var old = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("leaky"));
        using var self = app.Client(old.Secret);
        var rotated = await Api.ReadAsync<CreatedToken>(await self.PostAsJsonAsync("/api/v1/tokens/self/rotate", new RotateTokenRequest(0)));
        Assert.Equal(HttpStatusCode.OK, await doors.ApiAsync(rotated.Secret));

        var refused = await self.GetAsync("/api/v1/whoami");
        await Api.AssertProblemAsync(refused, HttpStatusCode.Unauthorized);
        Assert.Contains("invalid_token", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, await doors.ForwardAuthAsync(old.Secret, from: "203.0.113.9"));
        Assert.Equal((false, "token revoked"), await doors.TokenReviewAsync(old.Secret));

        await Doors.FlushAuditAsync(app);
        var reuses = await app.WithStoreAsync(db => db.AuditEvents.Where(e => e.Action == "token.reused-after-rotation").ToListAsync());
        Assert.Equal(3, reuses.Count);
        Assert.All(reuses, e => Assert.Equal((old.Id, "failure"), (e.TargetId, e.Outcome)));
        Assert.Contains(reuses, e => e.SourceAddress == "203.0.113.9");
        var notice = await app.WithStoreAsync(db => db.OwnerNotices.SingleAsync(n => n.DedupKey == $"token.reused:{old.Id}"));
        var ownerId = await app.WithStoreAsync(db => db.Users.Where(u => u.Email == TestApp.AdminEmail).Select(u => u.Id).SingleAsync());
        Assert.Equal(("token.reused-after-rotation", ownerId, old.Id), (notice.Kind, notice.UserId, notice.TokenId));
        Assert.Contains(rotated.Id, notice.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("lk_", notice.Text, StringComparison.Ordinal);
        Assert.Equal(1, await app.WithStoreAsync(db => db.OwnerNotices.CountAsync(n => n.Kind == "token.reused-after-rotation")));
    }

    [Fact]
    public async Task Only_the_owner_may_rotate_and_everything_that_narrows_the_token_carries_over()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var owner = await app.AddUserAsync("a@example.test");
        var token = await app.CreateTokenAsync(owner, new CreateTokenRequest("a's token", "kept", AllowedCidrs: ["127.0.0.0/8", "10.0.0.0/8"]));
        var otherOrg = await app.AddOrganizationAsync("other");

        // Those who cannot see the token learn nothing of it; those who can are told why not.
        foreach (var (stranger, status) in new[]
        {
            (await app.AddUserAsync("b@example.test"), HttpStatusCode.NotFound),
            (await app.AddUserAsync("c@other.test", otherOrg, Roles.OrgAdmin), HttpStatusCode.NotFound),
            (await app.AddUserAsync("viewer@example.test", role: Roles.TokenViewer), HttpStatusCode.Forbidden),
            (await app.AddUserAsync("admin2@example.test", role: Roles.TokenAdmin), HttpStatusCode.Forbidden),
            (await app.LoginAsync(), HttpStatusCode.Forbidden),
        })
        {
            using var client = app.Client(stranger);
            await Api.AssertProblemAsync(await client.PostAsJsonAsync($"/api/v1/tokens/{token.Id}/rotate", new RotateTokenRequest(60)), status);
        }

        Assert.Equal(5, await app.WithStoreAsync(db => db.AuditEvents.CountAsync(e => e.Action == "token.rotate" && e.Outcome == "denied" && e.TargetId == token.Id)));
        using var asOwner = app.Client(owner);
        var rotated = await Api.ReadAsync<CreatedToken>(await asOwner.PostAsJsonAsync($"/api/v1/tokens/{token.Id}/rotate", new RotateTokenRequest(60)));

        Assert.Equal(["127.0.0.0/8", "10.0.0.0/8"], rotated.AllowedCidrs);
        Assert.Equal(("a's token", "kept"), (rotated.Name, rotated.Note));
        using var asNew = app.Client(rotated.Secret);
        var me = await Api.ReadAsync<WhoAmI>(await asNew.GetAsync("/api/v1/whoami"));
        Assert.Equal(("a@example.test", rotated.Id), (me.User.Email, me.Token.Id));
        var shown = await Api.ReadAsync<TokenInfo>(await asNew.GetAsync($"/api/v1/tokens/{rotated.Id}"));
        Assert.Equal("rotation", shown.CreatedVia);
        Assert.Equal(["127.0.0.0/8", "10.0.0.0/8"], shown.AllowedCidrs);
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"graceSeconds": -1}""", "graceSeconds" },
        { """{"graceSeconds": 604801}""", "graceSeconds" },
        { """{"graceSeconds": "1h"}""", "not valid JSON" },
        { """{"grace": 60}""", "does not know" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_grace_is_a_400_and_rotates_nothing(string body, string mentions)
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var admin = await app.LoginAsync();
        var token = await app.CreateTokenAsync(admin, new CreateTokenRequest("steady"));
        using var client = app.Client(admin);
        var before = await app.WithStoreAsync(db => db.AccessTokens.CountAsync());

        var problem = await Api.AssertProblemAsync(
            await client.PostAsync($"/api/v1/tokens/{token.Id}/rotate", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);

        Assert.Contains(mentions, problem.GetProperty("detail").GetString()!, StringComparison.Ordinal);
        Assert.Equal(before, await app.WithStoreAsync(db => db.AccessTokens.CountAsync()));
        Assert.Null(await app.WithStoreAsync(db => db.AccessTokens.Where(t => t.Id == token.Id).Select(t => t.ReplacedByTokenId).SingleAsync()));
    }

    [Fact]
    public async Task Revoked_expired_and_already_rotated_tokens_are_refused_with_a_409_that_says_why()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var admin = await app.LoginAsync();
        using var client = app.Client(admin);
        var revoked = await app.CreateTokenAsync(admin, new CreateTokenRequest("revoked"));
        await client.DeleteAsync($"/api/v1/tokens/{revoked.Id}");
        var expiring = await app.CreateTokenAsync(admin, new CreateTokenRequest("expiring", ExpiresAt: app.Time.GetUtcNow().AddHours(1)));
        var first = await app.CreateTokenAsync(admin, new CreateTokenRequest("rotated"));
        var second = await Api.ReadAsync<CreatedToken>(await client.PostAsJsonAsync($"/api/v1/tokens/{first.Id}/rotate", new RotateTokenRequest(3600)));
        app.Time.Advance(TimeSpan.FromMinutes(61));
        var inGrace = await app.CreateTokenAsync(admin, new CreateTokenRequest("in grace"));
        var replacement = await Api.ReadAsync<CreatedToken>(await client.PostAsJsonAsync($"/api/v1/tokens/{inGrace.Id}/rotate", new RotateTokenRequest(3600)));

        async Task<string> ConflictAsync(string id) => (await Api.AssertProblemAsync(
            await client.PostAsync($"/api/v1/tokens/{id}/rotate", null), HttpStatusCode.Conflict)).GetProperty("detail").GetString()!;

        Assert.Contains("revoked", await ConflictAsync(revoked.Id), StringComparison.Ordinal);
        Assert.Contains("expired", await ConflictAsync(expiring.Id), StringComparison.Ordinal);
        Assert.Contains(second.Id, await ConflictAsync(first.Id), StringComparison.Ordinal);
        Assert.Contains("already rotated", await ConflictAsync(inGrace.Id), StringComparison.Ordinal);
        Assert.Contains($"replaced {inGrace.Id}", await ConflictAsync(replacement.Id), StringComparison.Ordinal);
        await Api.AssertProblemAsync(await client.PostAsync("/api/v1/tokens/nosuchtoken00000/rotate", null), HttpStatusCode.NotFound);

        // Rotating again once the grace period is over is fine.
        app.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync($"/api/v1/tokens/{replacement.Id}/rotate", null)).StatusCode);
    }

    [Fact]
    public async Task The_replacement_lives_as_long_as_the_original_within_todays_policy()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var admin = await app.LoginAsync();
        using var client = app.Client(admin);
        await app.AllowNoExpirationAsync();
        var yearly = await app.CreateTokenAsync(admin, new CreateTokenRequest("yearly", ExpiresInDays: 365));
        var forever = await app.CreateTokenAsync(admin, new CreateTokenRequest("forever", NoExpiration: true));
        var weekly = await app.CreateTokenAsync(admin, new CreateTokenRequest("weekly", ExpiresInDays: 7));

        app.Time.Advance(TimeSpan.FromDays(5));
        Assert.Null((await Api.ReadAsync<CreatedToken>(await client.PostAsync($"/api/v1/tokens/{forever.Id}/rotate", null))).ExpiresAt);
        Assert.Equal(app.Time.GetUtcNow().AddDays(7), (await Api.ReadAsync<CreatedToken>(await client.PostAsync($"/api/v1/tokens/{weekly.Id}/rotate", null))).ExpiresAt);
        await app.WithStoreAsync(async db =>
        {
            var organization = await db.Organizations.SingleAsync();
            (organization.MaxTokenLifetimeDays, organization.AllowNoExpiration) = (90, false);
            return await db.SaveChangesAsync();
        });
        Assert.Equal(app.Time.GetUtcNow().AddDays(90), (await Api.ReadAsync<CreatedToken>(await client.PostAsync($"/api/v1/tokens/{yearly.Id}/rotate", null))).ExpiresAt);
    }
}
