using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests.Security;

/// <summary>Kestrel's limits and the per-door body limits: an oversized request is refused whole, and nothing it asked for happens.</summary>
public class LimitsTests
{
    [Fact]
    public async Task Oversized_or_too_many_headers_are_a_431_and_create_nothing()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        var before = await TokenCountAsync(app);
        using var client = app.Client(admin);

        var large = Create("large header");
        large.Headers.Add("X-Padding", new string('a', 40 * 1024));
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, (await client.SendAsync(large)).StatusCode);

        var many = Create("many headers");
        for (var i = 0; i < 80; i++)
        {
            many.Headers.Add($"X-Header-{i}", "x");
        }

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, (await client.SendAsync(many)).StatusCode);
        Assert.Equal(before, await TokenCountAsync(app));
    }

    [Fact]
    public async Task A_body_over_the_door_limit_is_a_413_problem_and_creates_nothing()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        var webhook = await app.AddClusterAsync("prod-1");
        var before = await TokenCountAsync(app);

        using var client = app.Client(admin);
        var problem = await Api.AssertProblemAsync(await client.SendAsync(Create("big", note: new string('n', 2 * 1024 * 1024))), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("1 MiB", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The webhooks take far less: a review is a token and a few attributes.
        using var cluster = app.Client(webhook);
        var review = ClusterAuth.TokenReviewTests.Review("lk_" + new string('x', 200 * 1024));
        await Api.AssertProblemAsync(await cluster.PostAsync("/apis/authentication.k8s.io/v1/tokenreviews", new StringContent(review, Encoding.UTF8, "application/json")),
            HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await TokenCountAsync(app));
    }

    [Fact]
    public async Task The_limits_follow_Latchkey_Limits()
    {
        await using var app = await TestApp.StartAsync(new()
        {
            ["Latchkey:Limits:MaxRequestBodySize"] = "4096",
            ["Latchkey:Limits:MaxRequestHeaderCount"] = "20",
        });
        var admin = await app.LoginAsync();
        using var client = app.Client(admin);

        var problem = await Api.AssertProblemAsync(await client.SendAsync(Create("big", note: new string('n', 8 * 1024))), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("4 KiB", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(Create("small"))).StatusCode);

        var many = Create("many headers");
        for (var i = 0; i < 25; i++)
        {
            many.Headers.Add($"X-Header-{i}", "x");
        }

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, (await client.SendAsync(many)).StatusCode);
    }

    private static HttpRequestMessage Create(string name, string? note = null) => new(HttpMethod.Post, "/api/v1/tokens")
    {
        Content = new StringContent(
            System.Text.Json.JsonSerializer.Serialize(new { name, note }), Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
    };

    private static Task<int> TokenCountAsync(TestApp app) => app.WithStoreAsync(db => db.AccessTokens.CountAsync());
}
