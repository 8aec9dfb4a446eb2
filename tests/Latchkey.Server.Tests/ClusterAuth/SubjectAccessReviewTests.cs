using System.Net;
using System.Text;
using System.Text.Json;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.ClusterAuth;

public class SubjectAccessReviewTests
{
    // The documentation's example user is "jane"; Latchkey users are found by uid or by this name.
    private const string Jane = "jane";
    private static readonly string[] AuthenticatedGroup = ["latchkey:authenticated"];

    public static TheoryData<string, string?, string, string, bool?> Decisions => new()
    {
        // role on the cluster, verb, resource or non-resource review, expected allowed (null: no opinion)
        { "viewer reads a resource", Roles.ClusterViewer, "get", "resource", true },
        { "viewer lists", Roles.ClusterViewer, "list", "resource", true },
        { "viewer watches", Roles.ClusterViewer, "watch", "resource", true },
        { "viewer reads a non-resource path", Roles.ClusterViewer, "get", "nonresource", true },
        { "viewer deletes", Roles.ClusterViewer, "delete", "resource", null },
        { "viewer creates", Roles.ClusterViewer, "create", "resource", null },
        { "admin deletes", Roles.ClusterAdmin, "delete", "resource", true },
        { "admin escalates", Roles.ClusterAdmin, "escalate", "resource", true },
        { "no role", null, "get", "resource", null },
        { "a role on the organization's metrics only", Roles.MetricsReader, "get", "resource", null },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public async Task SubjectAccessReview_decides_from_the_roles_held_on_the_calling_cluster(
        string @case, string? role, string verb, string kind, bool? allowed)
    {
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1");
        var janesToken = await TokenIdAsync(app, await app.AddUserAsync(Jane));
        if (role == Roles.MetricsReader)
        {
            await app.GrantAsync(Jane, role);
        }
        else if (role is not null)
        {
            await app.GrantAsync(Jane, role, "prod-1");
        }

        var request = Golden.Read($"ClusterAuth/Assets/subjectaccessreview-v1beta1-{(kind == "resource" ? "" : "nonresource-")}request.json")
            .Replace("\"verb\": \"get\"", $"\"verb\": \"{verb}\"", StringComparison.Ordinal);
        request = AuthenticatedBy(request, janesToken);
        using var client = app.Client(webhook);
        var status = JsonDocument.Parse(await ReviewAsync(client, "v1beta1", request)).RootElement.GetProperty("status");

        Assert.True((allowed ?? false) == status.GetProperty("allowed").GetBoolean(), @case);
        // Latchkey never short-circuits the cluster's other authorizers.
        Assert.False(status.TryGetProperty("denied", out _), @case);
    }

    [Fact]
    public async Task Permissive_answer_matches_the_documentation_and_a_removed_role_takes_effect_at_once()
    {
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1");
        var janesToken = await TokenIdAsync(app, await app.AddUserAsync(Jane));
        await app.GrantAsync(Jane, Roles.ClusterViewer, "prod-1");
        using var client = app.Client(webhook);
        var request = AuthenticatedBy(Golden.Read("ClusterAuth/Assets/subjectaccessreview-v1beta1-request.json"), janesToken);

        Golden.AssertSameJson(Golden.Read("ClusterAuth/Assets/subjectaccessreview-v1beta1-response-allowed.json"), await ReviewAsync(client, "v1beta1", request));

        using (var admin = app.Client(await app.LoginAsync()))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/v1/clusters/prod-1")).StatusCode);
        }

        // The cluster is gone, and with it its webhook credential.
        var response = await client.PostAsync("/apis/authorization.k8s.io/v1beta1/subjectaccessreviews", new StringContent(request, Encoding.UTF8, "application/json"));
        await Api.AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task V1_review_checks_the_uid_and_answers_in_v1()
    {
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1");
        var tokenId = await TokenIdAsync(app, await app.AddUserAsync("someone@example.test"));
        await app.GrantAsync("someone@example.test", Roles.ClusterAdmin, "prod-1");
        var uid = await app.WithStoreAsync(db => Task.FromResult(db.Users.Single(u => u.Email == "someone@example.test").Id));
        using var client = app.Client(webhook);

        var body = JsonSerializer.Serialize(new
        {
            apiVersion = "authorization.k8s.io/v1",
            kind = "SubjectAccessReview",
            spec = new
            {
                resourceAttributes = new { verb = "delete", resource = "pods", @namespace = "default" }, user = "someone@example.test", uid = uid.ToString(),
                groups = AuthenticatedGroup, extra = new Dictionary<string, string[]> { [Reviews.TokenIdExtra] = [tokenId] },
            },
        });
        var answer = JsonDocument.Parse(await ReviewAsync(client, "v1", body)).RootElement;

        Assert.Equal("authorization.k8s.io/v1", answer.GetProperty("apiVersion").GetString());
        Assert.True(answer.GetProperty("status").GetProperty("allowed").GetBoolean());
    }

    [Theory]
    [InlineData("authorization.k8s.io", "subjectaccessreviews", "SubjectAccessReview", "\"verb\":\"get\"},\"user\":\"jane\",\"extra\":{\"latchkey.io/token-id\":[null]}")]
    [InlineData("authorization.k8s.io", "subjectaccessreviews", "SubjectAccessReview", "\"verb\":\"get\"},\"user\":\"jane\",\"groups\":[null]")]
    [InlineData("authentication.k8s.io", "tokenreviews", "TokenReview", "\"token\":\"x\",\"audiences\":[null]")]
    public async Task A_null_in_a_review_list_is_a_malformed_review(string group, string resource, string kind, string spec)
    {
        // Found by the review fuzzer: a null token id reached the verifier and answered 500.
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1");
        using var client = app.Client(webhook);
        var body = $"{{\"apiVersion\":\"{group}/v1\",\"kind\":\"{kind}\",\"spec\":{{" +
            (kind == "TokenReview" ? spec : "\"resourceAttributes\":{" + spec) + "}}";

        var response = await client.PostAsync($"/apis/{group}/v1/{resource}", new StringContent(body, Encoding.UTF8, "application/json"));

        await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    private static async Task<string> TokenIdAsync(TestApp app, string token)
    {
        using var client = app.Client(token);
        return (await Api.ReadAsync<Latchkey.Core.Contracts.WhoAmI>(await client.GetAsync("/api/v1/whoami"))).Token.Id;
    }

    /// <summary>What the API server adds after a TokenReview of a Latchkey token: its id in extra.</summary>
    private static string AuthenticatedBy(string request, string tokenId)
    {
        var review = System.Text.Json.Nodes.JsonNode.Parse(request)!;
        review["spec"]!["extra"] = new System.Text.Json.Nodes.JsonObject { [Reviews.TokenIdExtra] = new System.Text.Json.Nodes.JsonArray(tokenId) };
        return review.ToJsonString();
    }

    private static async Task<string> ReviewAsync(HttpClient client, string version, string body)
    {
        var response = await client.PostAsync($"/apis/authorization.k8s.io/{version}/subjectaccessreviews", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return text;
    }
}
