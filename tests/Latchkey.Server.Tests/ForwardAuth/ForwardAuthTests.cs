using System.Net;
using System.Net.Http.Headers;
using Latchkey.Core.Contracts;
using Latchkey.Core.Tokens;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.ForwardAuth;

public class ForwardAuthTests
{
    [Fact]
    public async Task Verify_answers_401_403_200_and_401_again_after_delete()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddUserAsync("grafana@example.test");
        var token = await app.CreateTokenAsync(await app.LoginAsync("grafana@example.test", "pw-grafana@example.test"), new CreateTokenRequest("grafana"));

        using var anonymous = app.Client();
        var none = await anonymous.GetAsync("/auth/verify?scope=metrics:read");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer realm=\"latchkey\"", none.Headers.WwwAuthenticate.ToString());

        using var bad = app.Client(TokenFormat.Generate());
        var badAnswer = await bad.GetAsync("/auth/verify?scope=metrics:read");
        Assert.Equal(HttpStatusCode.Unauthorized, badAnswer.StatusCode);
        Assert.Contains("invalid_token", badAnswer.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        using var client = app.Client(token.Secret);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);

        await app.GrantAsync("grafana@example.test", Roles.MetricsReader);
        var ok = await client.GetAsync("/auth/verify?scope=metrics:read");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("grafana@example.test", ok.Headers.GetValues("X-Latchkey-User").Single());
        Assert.Equal("default", ok.Headers.GetValues("X-Latchkey-Org").Single());
        Assert.Equal(token.Id, ok.Headers.GetValues("X-Latchkey-Token-Id").Single());
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/auth/verify?scope=logs:read")).StatusCode);

        using (var owner = app.Client(token.Secret))
        {
            await owner.DeleteAsync($"/api/v1/tokens/{token.Id}");
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    [InlineData("HEAD")]
    [InlineData("DELETE")]
    public async Task Verify_accepts_any_method_and_the_scope_header(string method)
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client(await app.LoginAsync());
        using var request = new HttpRequestMessage(new HttpMethod(method), "/auth/verify");
        request.Headers.Add("X-Latchkey-Scope", "logs:read");

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Unknown_scope_is_a_400_naming_the_permissions()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client(await app.LoginAsync());

        var problem = await Api.AssertProblemAsync(await client.GetAsync("/auth/verify?scope=metrics:write"), HttpStatusCode.BadRequest);
        Assert.Contains("metrics:read", problem.GetProperty("detail").GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repeated_failures_from_one_address_get_429_with_retry_after_and_are_audited_once()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:FailedAttemptsPerMinute"] = "5" });
        var good = await app.LoginAsync();
        using var bad = app.Client(TokenFormat.Generate());
        for (var i = 0; i < 5; i++)
        {
            Assert.True(HttpStatusCode.Unauthorized == (await bad.GetAsync("/auth/verify")).StatusCode, $"attempt {i}");
        }

        var throttled = await bad.GetAsync("/auth/verify");
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        // The API door shares the count.
        var api = await bad.GetAsync("/api/v1/whoami");
        await Api.AssertProblemAsync(api, HttpStatusCode.TooManyRequests);

        app.Time.Advance(TimeSpan.FromMinutes(1));
        using var client = app.Client(good);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/verify")).StatusCode);
        await client.GetAsync("/api/v1/audit");
        var throttles = await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Where(e => e.Action == "auth.throttled").ToList()));
        Assert.Equal("127.0.0.1", Assert.Single(throttles).SourceAddress);
    }

    [Fact]
    public async Task Token_in_the_verify_url_is_refused()
    {
        await using var app = await TestApp.StartAsync();
        var token = await app.LoginAsync();
        using var client = app.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        await Api.AssertProblemAsync(await client.GetAsync($"/auth/verify?access_token={token}"), HttpStatusCode.BadRequest);
    }
}
