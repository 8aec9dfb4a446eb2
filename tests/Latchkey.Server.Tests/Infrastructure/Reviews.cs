using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>The Kubernetes webhooks as an API server calls them, with its webhook credential.</summary>
public static class Reviews
{
    public const string TokenIdExtra = "latchkey.io/token-id";

    /// <summary>A TokenReview (v1) of <paramref name="token"/>; the answer's status.</summary>
    public static async Task<JsonElement> TokenReviewAsync(HttpClient webhook, string token, string? audience = null) =>
        (await PostAsync(webhook, "authentication.k8s.io", "tokenreviews", JsonSerializer.Serialize(new
        {
            apiVersion = "authentication.k8s.io/v1",
            kind = "TokenReview",
            spec = audience is null ? (object)new { token } : new { token, audiences = new[] { audience } },
        }))).GetProperty("status");

    public static async Task<bool> AuthenticatesAsync(HttpClient webhook, string token) =>
        (await TokenReviewAsync(webhook, token)).GetProperty("authenticated").GetBoolean();

    /// <summary>A SubjectAccessReview (v1) as the API server sends it after TokenReview: the user, uid and extra it was given.</summary>
    public static async Task<JsonElement> SubjectAccessReviewAsync(
        HttpClient webhook, string user, string? uid, IReadOnlyList<string>? tokenIds, string verb = "get", string version = "v1")
    {
        var spec = new JsonObject
        {
            ["resourceAttributes"] = new JsonObject { ["verb"] = verb, ["resource"] = "pods", ["namespace"] = "default" },
            ["user"] = user,
            ["groups"] = new JsonArray("latchkey:authenticated"),
        };
        if (uid is not null)
        {
            spec["uid"] = uid;
        }

        if (tokenIds is not null)
        {
            spec["extra"] = new JsonObject { [TokenIdExtra] = new JsonArray([.. tokenIds.Select(id => (JsonNode)JsonValue.Create(id))]) };
        }

        var body = new JsonObject { ["apiVersion"] = $"authorization.k8s.io/{version}", ["kind"] = "SubjectAccessReview", ["spec"] = spec };
        return (await PostAsync(webhook, "authorization.k8s.io", "subjectaccessreviews", body.ToJsonString(), version)).GetProperty("status");
    }

    /// <summary>What TokenReview answered for <paramref name="token"/>, turned into the SubjectAccessReview the API server would send next.</summary>
    public static async Task<JsonElement> AuthorizeAsync(HttpClient webhook, string token, string verb = "get")
    {
        var user = (await TokenReviewAsync(webhook, token)).GetProperty("user");
        var ids = user.GetProperty("extra").GetProperty(TokenIdExtra).EnumerateArray().Select(e => e.GetString()!).ToList();
        return await SubjectAccessReviewAsync(webhook, user.GetProperty("username").GetString()!, user.GetProperty("uid").GetString(), ids, verb);
    }

    private static async Task<JsonElement> PostAsync(HttpClient webhook, string group, string resource, string body, string version = "v1")
    {
        var response = await webhook.PostAsync($"/apis/{group}/{version}/{resource}", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }
}
