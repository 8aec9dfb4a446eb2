using System.Net;
using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Lifecycle;
using Latchkey.Server.Tests.Infrastructure;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Lifecycle;

public class UsageTests
{
    /// <summary>The write-behind timer never fires during a test: counts reach the store when the test flushes.</summary>
    private static readonly Dictionary<string, string?> FlushByHand = new(TestApp.BehindLocalProxy) { ["Latchkey:WriteBehindInterval"] = "01:00:00" };

    [Fact]
    public async Task Uses_are_counted_per_door_and_day_once_the_write_behind_flushes()
    {
        await using var app = await TestApp.StartAsync(FlushByHand);
        var doors = await Doors.OpenAsync(app);
        var admin = await app.LoginAsync();
        var token = await app.CreateTokenAsync(admin, new CreateTokenRequest("counted"));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await doors.ApiAsync(token.Secret, "10.0.0.1"));
        }

        Assert.Equal(HttpStatusCode.OK, await doors.ForwardAuthAsync(token.Secret, "10.0.0.2"));
        app.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, await doors.ForwardAuthAsync(token.Secret));
        Assert.True((await doors.TokenReviewAsync(token.Secret)).Authenticated);
        Assert.Empty(await RowsAsync(app, token.Id));

        await app.Services.GetRequiredService<UsageRecorder>().FlushAsync();
        var today = DateOnly.FromDateTime(app.Time.GetUtcNow().UtcDateTime);
        Assert.Equal([(today, "api", 3L), (today, "forward-auth", 2L), (today, "kubernetes", 1L)], await RowsAsync(app, token.Id));

        app.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(HttpStatusCode.OK, await doors.ApiAsync(token.Secret, "10.0.0.1"));
        using var client = app.Client(admin);
        var usage = await Api.ReadAsync<TokenUsage>(await client.GetAsync($"/api/v1/tokens/{token.Id}/usage"));

        Assert.Equal((today.AddDays(1), today.AddDays(-88)), (usage.To, usage.From));
        Assert.Equal([new UsageDay(today, "api", 3), new UsageDay(today, "forward-auth", 2), new UsageDay(today, "kubernetes", 1), new UsageDay(today.AddDays(1), "api", 1)],
            usage.Days);
        Assert.Equal((4, 2, 1), (usage.Total("api", 7), usage.Total("forward-auth", 30), usage.Total("kubernetes", 90)));
        Assert.Equal(["10.0.0.1", "127.0.0.1", "10.0.0.2"], usage.RecentSources.Select(s => s.Address));
        Assert.Equal(app.Time.GetUtcNow(), usage.RecentSources[0].LastSeenAt);
    }

    [Fact]
    public async Task Only_the_five_most_recent_addresses_are_kept()
    {
        await using var app = await TestApp.StartAsync(FlushByHand);
        var doors = await Doors.OpenAsync(app);
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("roaming"));
        var recorder = app.Services.GetRequiredService<UsageRecorder>();
        for (var i = 1; i <= 7; i++)
        {
            app.Time.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal(HttpStatusCode.OK, await doors.ForwardAuthAsync(token.Secret, $"198.51.100.{i}"));
            if (i % 3 == 0)
            {
                await recorder.FlushAsync();
            }
        }

        await recorder.FlushAsync();
        var kept = await app.WithStoreAsync(db => db.TokenSources.Where(s => s.TokenId == token.Id).OrderByDescending(s => s.LastSeenAt).Select(s => s.Address).ToListAsync());
        Assert.Equal(["198.51.100.7", "198.51.100.6", "198.51.100.5", "198.51.100.4", "198.51.100.3"], kept);
    }

    [Fact]
    public async Task Counts_survive_a_failed_write_and_are_added_by_the_next_one()
    {
        await using var app = await TestApp.StartAsync(FlushByHand);
        var doors = await Doors.OpenAsync(app);
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("patient"));
        Assert.Equal(HttpStatusCode.OK, await doors.ForwardAuthAsync(token.Secret));
        Assert.Equal(HttpStatusCode.OK, await doors.ForwardAuthAsync(token.Secret));
        var recorder = app.Services.GetRequiredService<UsageRecorder>();

        await app.TakeStoreAwayAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => recorder.FlushAsync());
        await app.BringStoreBackAsync();
        Assert.Equal(HttpStatusCode.OK, await doors.ForwardAuthAsync(token.Secret));
        await recorder.FlushAsync();

        var today = DateOnly.FromDateTime(app.Time.GetUtcNow().UtcDateTime);
        Assert.Equal([(today, "forward-auth", 3L)], await RowsAsync(app, token.Id));
    }

    [Fact]
    public async Task Counts_and_addresses_older_than_90_days_are_pruned()
    {
        await using var app = await TestApp.StartAsync(FlushByHand);
        var now = app.Time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        await app.WithStoreAsync(async db =>
        {
            db.TokenUsageDays.AddRange(
                new TokenUsageDay { TokenId = "t1", Day = today.AddDays(-90), Door = "api", Count = 5 },
                new TokenUsageDay { TokenId = "t1", Day = today.AddDays(-89), Door = "api", Count = 6 },
                new TokenUsageDay { TokenId = "t1", Day = today, Door = "kubernetes", Count = 7 });
            db.TokenSources.AddRange(
                new TokenSource { TokenId = "t1", Address = "192.0.2.1", LastSeenAt = now.AddDays(-91) },
                new TokenSource { TokenId = "t1", Address = "192.0.2.2", LastSeenAt = now.AddDays(-89) });
            return await db.SaveChangesAsync();
        });

        Assert.Equal(2, (await RetentionTests.RunAsync(app)).Usage);
        Assert.Equal(0, (await RetentionTests.RunAsync(app)).Usage);
        Assert.Equal([(today.AddDays(-89), "api", 6L), (today, "kubernetes", 7L)], await RowsAsync(app, "t1"));
        Assert.Equal("192.0.2.2", Assert.Single(await app.WithStoreAsync(db => db.TokenSources.ToListAsync())).Address);
    }

    [Fact]
    public async Task Usage_is_shown_to_the_owner_and_token_viewers_and_is_a_404_to_anyone_else()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var owner = await app.AddUserAsync("a@example.test");
        var token = await app.CreateTokenAsync(owner, new CreateTokenRequest("mine"));
        using var viewer = app.Client(await app.AddUserAsync("v@example.test", role: Roles.TokenViewer));
        using var stranger = app.Client(await app.AddUserAsync("b@example.test"));
        using var self = app.Client(token.Secret);

        Assert.Equal(token.Id, (await Api.ReadAsync<TokenUsage>(await self.GetAsync($"/api/v1/tokens/{token.Id}/usage"))).TokenId);
        Assert.Equal(token.Id, (await Api.ReadAsync<TokenUsage>(await viewer.GetAsync($"/api/v1/tokens/{token.Id}/usage"))).TokenId);
        await Api.AssertProblemAsync(await stranger.GetAsync($"/api/v1/tokens/{token.Id}/usage"), HttpStatusCode.NotFound);
    }

#if POSTGRES
    [Fact]
    public async Task Two_replicas_counting_the_same_token_and_day_lose_no_uses()
    {
        await using var a = await TestApp.StartAsync(FlushByHand);
        await using var b = await a.StartReplicaAsync();
        var token = await a.CreateTokenAsync(await a.LoginAsync(), new CreateTokenRequest("busy"));
        var recorders = new[] { a.Services.GetRequiredService<UsageRecorder>(), b.Services.GetRequiredService<UsageRecorder>() };
        var verifiers = new[] { a.Services.GetRequiredService<TokenVerifier>(), b.Services.GetRequiredService<TokenVerifier>() };

        // Each round: both replicas count uses at the same time, then both write at the same time.
        const int Rounds = 20, PerRound = 50;
        for (var round = 0; round < Rounds; round++)
        {
            await Task.WhenAll(verifiers.Select(v => Task.Run(async () =>
            {
                for (var i = 0; i < PerRound; i++)
                {
                    Assert.NotNull((await v.VerifyAsync(token.Secret, Door.Api, IPAddress.Loopback)).Grant);
                }
            })));
            await Task.WhenAll(recorders.Select(r => Task.Run(() => r.FlushAsync())));
        }

        var today = DateOnly.FromDateTime(a.Time.GetUtcNow().UtcDateTime);
        Assert.Equal([(today, "api", (long)Rounds * PerRound * 2)], await RowsAsync(a, token.Id));
    }
#endif

    private static Task<List<(DateOnly Day, string Door, long Count)>> RowsAsync(TestApp app, string tokenId) =>
        app.WithStoreAsync(async db => (await db.TokenUsageDays.Where(u => u.TokenId == tokenId).OrderBy(u => u.Day).ThenBy(u => u.Door).ToListAsync())
            .Select(u => (u.Day, u.Door, u.Count)).ToList());
}
