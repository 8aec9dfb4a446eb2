using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Latchkey.Core.Contracts;
using Latchkey.Core.Tokens;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.ClusterAuth;

public class TokenReviewTests
{
    private const string Audience = "https://myserver.example.com";
    private const string Jane = "janedoe@example.com";

    /// <summary>One named case per rule of the webhook.</summary>
    public static TheoryData<string> Cases => new()
    {
        "v1: a valid token of a cluster viewer is authenticated, with groups, uid, token id and the matched audience",
        "v1beta1: the same review in v1beta1 is answered in v1beta1",
        "no audiences asked: authenticated, and no audiences in the answer",
        "a cluster admin: gets the cluster-admin group",
        "audiences of another server: not authenticated",
        "an expired token: not authenticated, with a short error",
        "a revoked token: not authenticated",
        "an unknown token: not authenticated",
        "garbage that is not a Latchkey token: not authenticated",
        "an empty token: not authenticated",
        "a user with no role on this cluster: not authenticated",
        "a token of another organization: not authenticated",
        "wrong kind: 400",
        "apiVersion that does not match the path: 400",
        "body that is not JSON: 400",
        "wrong content type: 415",
        "no webhook credential: 401",
        "a user token instead of the webhook credential: 401",
        "an unknown API version in the path: 404",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TokenReview_rules(string @case)
    {
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1", Audience);
        await app.AddUserAsync(Jane);
        await app.GrantAsync(Jane, Roles.ClusterViewer, "prod-1");
        var jane = await app.CreateTokenAsync(await app.LoginAsync(Jane, "pw-" + Jane), new CreateTokenRequest("kubectl", ExpiresInDays: 1));
        var userId = await app.WithStoreAsync(db => Task.FromResult(db.Users.Single(u => u.Email == Jane).Id.ToString()));
        var values = new Dictionary<string, string> { ["TOKEN"] = jane.Secret, ["TOKEN_ID"] = jane.Id, ["USER_ID"] = userId };
        string V1Request() => Golden.Read("ClusterAuth/Assets/tokenreview-v1-request.json", values);
        using var client = app.Client(webhook);

        switch (@case[..@case.IndexOf(':', StringComparison.Ordinal)])
        {
            case "v1":
                Golden.AssertSameJson(Golden.Read("ClusterAuth/Assets/tokenreview-v1-response-success.json", values),
                    await ReviewAsync(client, "v1", V1Request()));
                break;
            case "v1beta1":
                Golden.AssertSameJson(Golden.Read("ClusterAuth/Assets/tokenreview-v1beta1-response-success.json", values),
                    await ReviewAsync(client, "v1beta1", Golden.Read("ClusterAuth/Assets/tokenreview-v1beta1-request.json", values)));
                break;
            case "no audiences asked":
                var status = Status(await ReviewAsync(client, "v1", Review(jane.Secret)));
                Assert.True(status.GetProperty("authenticated").GetBoolean());
                Assert.False(status.TryGetProperty("audiences", out _));
                break;
            case "a cluster admin":
                var adminToken = await app.LoginAsync();
                var groups = Status(await ReviewAsync(client, "v1", Review(adminToken))).GetProperty("user").GetProperty("groups");
                Assert.Contains("latchkey:cluster-admin", groups.EnumerateArray().Select(g => g.GetString()));
                break;
            case "audiences of another server":
                AssertNotAuthenticated(await ReviewAsync(client, "v1", Review(jane.Secret, "https://elsewhere.example.com")), "audiences");
                break;
            case "an expired token":
                app.Time.Advance(TimeSpan.FromDays(1));
                Golden.AssertSameJson(Golden.Read("ClusterAuth/Assets/tokenreview-v1-response-error.json"), await ReviewAsync(client, "v1", V1Request()));
                break;
            case "a revoked token":
                using (var owner = app.Client(jane.Secret))
                {
                    await owner.DeleteAsync($"/api/v1/tokens/{jane.Id}");
                }

                AssertNotAuthenticated(await ReviewAsync(client, "v1", V1Request()), "revoked");
                break;
            case "an unknown token":
                AssertNotAuthenticated(await ReviewAsync(client, "v1", Review(TokenFormat.Generate())), "unknown");
                break;
            case "garbage that is not a Latchkey token":
                AssertNotAuthenticated(await ReviewAsync(client, "v1", Review("014fbff9a07c")), "not a Latchkey token");
                break;
            case "an empty token":
                AssertNotAuthenticated(await ReviewAsync(client, "v1", Review("")), "no token");
                break;
            case "a user with no role on this cluster":
                AssertNotAuthenticated(await ReviewAsync(client, "v1", Review(await app.AddUserAsync("nobody@example.test"))), "no access");
                break;
            case "a token of another organization":
                var other = await app.AddOrganizationAsync("other");
                var outsider = await app.AddUserAsync("admin@other.test", other, Roles.OrgAdmin);
                AssertNotAuthenticated(await ReviewAsync(client, "v1", Review(outsider)), "unknown");
                break;
            case "wrong kind":
                await AssertStatusAsync(client, "v1", V1Request().Replace("\"TokenReview\"", "\"SubjectAccessReview\"", StringComparison.Ordinal), HttpStatusCode.BadRequest);
                break;
            case "apiVersion that does not match the path":
                await AssertStatusAsync(client, "v1beta1", V1Request(), HttpStatusCode.BadRequest);
                break;
            case "body that is not JSON":
                await AssertStatusAsync(client, "v1", "{\"apiVersion\":", HttpStatusCode.BadRequest);
                break;
            case "wrong content type":
                var text = await client.PostAsync("/apis/authentication.k8s.io/v1/tokenreviews", new StringContent(V1Request(), Encoding.UTF8, "text/plain"));
                await Api.AssertProblemAsync(text, HttpStatusCode.UnsupportedMediaType);
                break;
            case "no webhook credential":
                using (var anonymous = app.Client())
                {
                    await AssertStatusAsync(anonymous, "v1", V1Request(), HttpStatusCode.Unauthorized);
                }

                break;
            case "a user token instead of the webhook credential":
                using (var user = app.Client(await app.LoginAsync()))
                {
                    await AssertStatusAsync(user, "v1", V1Request(), HttpStatusCode.Unauthorized);
                }

                break;
            case "an unknown API version in the path":
                await AssertStatusAsync(client, "v2", V1Request(), HttpStatusCode.NotFound);
                break;
            default:
                Assert.Fail($"no steps for case '{@case}'");
                break;
        }
    }

    [Fact]
    public async Task Failed_reviews_are_audited_with_the_token_id_and_the_cluster()
    {
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1");
        var admin = await app.LoginAsync();
        var token = await app.CreateTokenAsync(admin, new CreateTokenRequest("soon revoked"));
        using (var owner = app.Client(admin))
        {
            await owner.DeleteAsync($"/api/v1/tokens/{token.Id}");
        }

        using var client = app.Client(webhook);
        AssertNotAuthenticated(await ReviewAsync(client, "v1", Review(token.Secret)), "revoked");

        using var adminClient = app.Client(admin);
        var events = await Api.ReadAsync<Page<AuditEventInfo>>(await adminClient.GetAsync("/api/v1/audit?action=auth.failed"));
        var failed = Assert.Single(events.Items);
        Assert.Equal(token.Id, failed.TargetId);
        Assert.Contains("prod-1", failed.Detail, StringComparison.Ordinal);
    }

    internal static string Review(string token, string? audience = null) => JsonSerializer.Serialize(new
    {
        apiVersion = "authentication.k8s.io/v1",
        kind = "TokenReview",
        spec = audience is null ? (object)new { token } : new { token, audiences = new[] { audience } },
    });

    internal static async Task<string> ReviewAsync(HttpClient client, string version, string body)
    {
        var response = await client.PostAsync($"/apis/authentication.k8s.io/{version}/tokenreviews", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return text;
    }

    private static JsonElement Status(string review) => JsonDocument.Parse(review).RootElement.GetProperty("status");

    private static void AssertNotAuthenticated(string review, string errorMentions)
    {
        var status = Status(review);
        Assert.False(status.GetProperty("authenticated").GetBoolean());
        Assert.False(status.TryGetProperty("user", out _));
        Assert.Contains(errorMentions, status.GetProperty("error").GetString()!, StringComparison.Ordinal);
    }

    private static async Task AssertStatusAsync(HttpClient client, string version, string body, HttpStatusCode expected)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        await Api.AssertProblemAsync(await client.PostAsync($"/apis/authentication.k8s.io/{version}/tokenreviews", content), expected);
    }
}
