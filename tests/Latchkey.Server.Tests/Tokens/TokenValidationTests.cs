using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Tokens;

public class TokenValidationTests
{
    public static TheoryData<string, string, string, HttpStatusCode, string> BadRequests => new()
    {
        // case, content type, body, status, words the message must contain
        { "missing name", "application/json", "{}", HttpStatusCode.BadRequest, "name" },
        { "empty name", "application/json", """{"name":""}""", HttpStatusCode.BadRequest, "name" },
        { "blank name", "application/json", """{"name":"   "}""", HttpStatusCode.BadRequest, "name" },
        { "overlong name", "application/json", $$"""{"name":"{{new string('n', 101)}}"}""", HttpStatusCode.BadRequest, "100" },
        { "name with a line break", "application/json", """{"name":"a\nb"}""", HttpStatusCode.BadRequest, "control" },
        { "overlong note", "application/json", $$"""{"name":"ok","note":"{{new string('x', 1001)}}"}""", HttpStatusCode.BadRequest, "1000" },
        { "expiration in the past", "application/json", """{"name":"ok","expiresAt":"2020-01-01T00:00:00Z"}""", HttpStatusCode.BadRequest, "past" },
        { "expiration beyond the maximum", "application/json", """{"name":"ok","expiresAt":"2030-01-01T00:00:00Z"}""", HttpStatusCode.BadRequest, "365" },
        { "zero days", "application/json", """{"name":"ok","expiresInDays":0}""", HttpStatusCode.BadRequest, "expiresInDays" },
        { "too many days", "application/json", """{"name":"ok","expiresInDays":366}""", HttpStatusCode.BadRequest, "365" },
        { "no expiration where not allowed", "application/json", """{"name":"ok","noExpiration":true}""", HttpStatusCode.BadRequest, "expire" },
        { "two expirations at once", "application/json", """{"name":"ok","expiresInDays":7,"expiresAt":"2027-01-01T00:00:00Z"}""", HttpStatusCode.BadRequest, "only one" },
        { "malformed JSON", "application/json", """{"name":""", HttpStatusCode.BadRequest, "JSON" },
        { "not an object", "application/json", """["ok"]""", HttpStatusCode.BadRequest, "JSON" },
        { "wrong type", "application/json", """{"name":"ok","expiresInDays":"seven"}""", HttpStatusCode.BadRequest, "expiresInDays" },
        { "unknown field", "application/json", """{"name":"ok","scope":"all"}""", HttpStatusCode.BadRequest, "scope" },
        { "repeated field", "application/json", """{"name":"a","name":"b"}""", HttpStatusCode.BadRequest, "JSON" },
        { "empty body", "application/json", "", HttpStatusCode.BadRequest, "JSON" },
        { "not JSON at all", "text/plain", "name=ok", HttpStatusCode.UnsupportedMediaType, "JSON" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_create_request_is_a_clear_4xx_problem_and_changes_nothing(
        string @case, string contentType, string body, HttpStatusCode status, string mentions)
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client(await app.LoginAsync());
        var tokensBefore = await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Count()));

        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        var problem = await Api.AssertProblemAsync(await client.PostAsync("/api/v1/tokens", content), status);

        var detail = problem.GetProperty("detail").GetString()!;
        Assert.True(detail.Contains(mentions, StringComparison.OrdinalIgnoreCase), $"{@case}: '{detail}' should mention '{mentions}'");
        Assert.Equal(tokensBefore, await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Count())));
    }

    [Theory]
    [InlineData("/api/v1/tokens?status=gone", "status")]
    [InlineData("/api/v1/tokens?limit=0", "limit")]
    [InlineData("/api/v1/tokens?limit=1000", "limit")]
    [InlineData("/api/v1/tokens?cursor=not-a-cursor", "cursor")]
    [InlineData("/api/v1/tokens?owner=someone", "owner")]
    [InlineData("/api/v1/audit?limit=0", "limit")]
    public async Task Bad_query_parameters_are_a_400_naming_the_parameter(string url, string parameter)
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client(await app.LoginAsync());

        var problem = await Api.AssertProblemAsync(await client.GetAsync(url), HttpStatusCode.BadRequest);
        Assert.Contains(parameter, problem.GetProperty("detail").GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_in_a_query_string_is_refused_even_with_a_valid_header()
    {
        await using var app = await TestApp.StartAsync();
        var token = await app.LoginAsync();
        using var client = app.Client(token);

        await Api.AssertProblemAsync(await client.GetAsync($"/api/v1/whoami?token={token}"), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await client.GetAsync($"/api/v1/whoami?access_token=x"), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await client.GetAsync($"/api/v1/tokens/{token}"), HttpStatusCode.BadRequest);
        using var anonymous = app.Client();
        await Api.AssertProblemAsync(await anonymous.GetAsync($"/api/v1/whoami?access_token={token}"), HttpStatusCode.BadRequest);
        // The token is still the caller's own: refusing the URL did not use it.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
    }

    [Fact]
    public async Task Missing_or_non_bearer_authorization_is_401_with_a_bearer_challenge()
    {
        await using var app = await TestApp.StartAsync();
        using var client = app.Client();

        var none = await client.GetAsync("/api/v1/tokens");
        await Api.AssertProblemAsync(none, HttpStatusCode.Unauthorized);
        Assert.StartsWith("Bearer", none.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", "YWRtaW46YWRtaW4=");
        await Api.AssertProblemAsync(await client.GetAsync("/api/v1/tokens"), HttpStatusCode.Unauthorized);
    }
}
