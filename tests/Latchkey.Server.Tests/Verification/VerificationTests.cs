using System.Net;
using Latchkey.Core.Contracts;
using Latchkey.Core.Tokens;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Verification;

public class VerificationTests
{
    private static readonly Dictionary<string, string?> NoBackgroundWrites = new() { ["Latchkey:WriteBehindInterval"] = "01:00:00", ["Latchkey:AuditFlushInterval"] = "01:00:00" };

    [Fact]
    public async Task Tokens_with_a_bad_checksum_or_shape_are_rejected_without_any_store_query()
    {
        await using var app = await TestApp.StartAsync(NoBackgroundWrites);
        var real = (await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("real"))).Secret;
        var garbage = new List<string> { real[..^1] + (real[^1] == 'a' ? 'b' : 'a'), real + "x", "lk_", "not-a-token", real.Replace("lk_", "LK_", StringComparison.Ordinal) };
        garbage.AddRange(Enumerable.Range(0, 200).Select(_ => TokenFormat.Generate()[..^6] + "000000"));

        var before = app.Queries.Count;
        foreach (var token in garbage)
        {
            using var client = app.Client(token);
            await Api.AssertProblemAsync(await client.GetAsync("/api/v1/whoami"), HttpStatusCode.Unauthorized);
        }

        Assert.Equal(before, app.Queries.Count);
    }

    [Fact]
    public async Task Ten_thousand_garbage_tokens_make_zero_store_queries()
    {
        await using var app = await TestApp.StartAsync(NoBackgroundWrites);
        var verifier = (Server.Verification.TokenVerifier)app.Services.GetService(typeof(Server.Verification.TokenVerifier))!;
        var before = app.Queries.Count;

        for (var i = 0; i < 10_000; i++)
        {
            var garbage = TokenFormat.Generate()[..^6] + "000000";
            Assert.Null((await verifier.VerifyAsync(garbage, Server.Verification.Door.Api, System.Net.IPAddress.Parse("192.0.2.1"))).Grant);
        }

        Assert.Equal(before, app.Queries.Count);
    }

    [Fact]
    public async Task An_unknown_token_presented_again_is_answered_from_memory()
    {
        await using var app = await TestApp.StartAsync(NoBackgroundWrites);
        using var client = app.Client(TokenFormat.Generate());
        await client.GetAsync("/api/v1/whoami");
        var before = app.Queries.TokenLookups;

        for (var i = 0; i < 20; i++)
        {
            await Api.AssertProblemAsync(await client.GetAsync("/api/v1/whoami"), HttpStatusCode.Unauthorized);
        }

        Assert.Equal(before, app.Queries.TokenLookups);
        app.Time.Advance(TimeSpan.FromSeconds(31));
        await client.GetAsync("/api/v1/whoami");
        Assert.Equal(before + 1, app.Queries.TokenLookups);
    }

    [Fact]
    public async Task Well_formed_unknown_token_is_looked_up_and_rejected()
    {
        await using var app = await TestApp.StartAsync(NoBackgroundWrites);
        var before = app.Queries.TokenLookups;
        using var client = app.Client(TokenFormat.Generate());

        await Api.AssertProblemAsync(await client.GetAsync("/api/v1/whoami"), HttpStatusCode.Unauthorized);
        Assert.Equal(before + 1, app.Queries.TokenLookups);
    }

    [Fact]
    public async Task Fifty_parallel_first_uses_of_one_token_make_one_store_lookup_and_later_uses_none()
    {
        await using var app = await TestApp.StartAsync(NoBackgroundWrites);
        var secret = (await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("burst"))).Secret;
        var verifier = (Server.Verification.TokenVerifier)app.Services.GetService(typeof(Server.Verification.TokenVerifier))!;
        var before = app.Queries.TokenLookups;

        using var start = new Barrier(50);
        var uses = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            start.SignalAndWait();
            return await verifier.VerifyAsync(secret, Server.Verification.Door.Api, System.Net.IPAddress.Loopback);
        }));
        var results = await Task.WhenAll(uses);

        Assert.All(results, r => Assert.NotNull(r.Grant));
        Assert.Equal(before + 1, app.Queries.TokenLookups);

        using var client = app.Client(secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        Assert.Equal(before + 1, app.Queries.TokenLookups);
    }

    [Fact]
    public async Task Cached_token_is_checked_against_the_store_again_after_the_cache_ttl()
    {
        await using var app = await TestApp.StartAsync(NoBackgroundWrites);
        var secret = (await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("ttl"))).Secret;
        using var client = app.Client(secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        var before = app.Queries.TokenLookups;

        app.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        Assert.Equal(before + 1, app.Queries.TokenLookups);
    }

    [Fact]
    public async Task Disabled_owner_fails_at_once_once_evicted()
    {
        await using var app = await TestApp.StartAsync(NoBackgroundWrites);
        var member = await app.AddUserAsync("m@example.test");
        using var client = app.Client(member);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);

        var userId = await app.WithStoreAsync(async db =>
        {
            var user = db.Users.Single(u => u.Email == "m@example.test");
            user.IsActive = false;
            await db.SaveChangesAsync();
            return user.Id;
        });
        ((Server.Verification.VerificationCache)app.Services.GetService(typeof(Server.Verification.VerificationCache))!).EvictUser(userId);

        await Api.AssertProblemAsync(await client.GetAsync("/api/v1/whoami"), HttpStatusCode.Unauthorized);
    }
}
