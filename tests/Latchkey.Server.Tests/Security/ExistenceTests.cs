using System.Net.Http.Json;
using System.Text.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Security;

/// <summary>
/// A member probing names it cannot see learns nothing: for every request that names a cluster or
/// a VPC, "it exists but is not yours" and "it does not exist" get the same status and the same
/// sentence (but for the name the member typed itself).
/// </summary>
public class ExistenceTests
{
    private const string Member = "member@example.test";

    public static TheoryData<string, string, string> Probes => new()
    {
        // method, path or body kind, {0} is the name probed
        { "DELETE", "/api/v1/clusters/{0}", "" },
        { "GET", "/api/v1/clusters/{0}/webhook-config", "" },
        { "GET", "/api/v1/clusters/{0}/webhook-credentials", "" },
        { "DELETE", "/api/v1/clusters/{0}/webhook-credentials/0190f0f0-0000-7000-8000-000000000000", "" },
        { "GET", "/api/v1/clusters/{0}/rbac", "" },
        { "POST", "/api/v1/clusters/{0}/credentials", "" },
        { "POST", "/api/v1/tokens", "kubeconfig" },
        { "POST", "/api/v1/tokens", Permissions.ClustersView },
        { "POST", "/api/v1/tokens", Permissions.ClustersAdmin },
        { "POST", "/api/v1/tokens", Permissions.VpcsView },
        { "POST", "/api/v1/tokens", Permissions.VpcsManage },
    };

    [Theory]
    [MemberData(nameof(Probes))]
    public async Task A_hidden_name_and_a_missing_name_get_the_same_answer(string method, string path, string body)
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        await app.AddClusterAsync("hidden-prod");
        (await admin.PostAsJsonAsync("/api/v1/vpcs", new CreateVpcRequest("hidden-prod", "eu-1", "10.0.0.0/16"))).EnsureSuccessStatusCode();
        // The member may use another cluster, so it is not simply refused everything.
        await app.AddClusterAsync("shared");
        using var member = app.Client(await app.AddUserAsync(Member));
        await app.GrantAsync(Member, Roles.ClusterViewer, "shared");

        var hidden = await ProbeAsync(member, method, path, body, "hidden-prod");
        var missing = await ProbeAsync(member, method, path, body, "absent-prod");

        Assert.True(hidden.Status == missing.Status, $"hidden: {hidden.Status} {hidden.Detail}; missing: {missing.Status} {missing.Detail}");
        Assert.True(hidden.Status >= 400, $"the member was let through: {hidden.Status}");
        Assert.Equal(missing.Detail.Replace("absent-prod", "NAME", StringComparison.Ordinal), hidden.Detail.Replace("hidden-prod", "NAME", StringComparison.Ordinal));
        Assert.Equal(0, await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Count(t => t.User.Email == Member && t.CreatedVia != "login"))));
    }

    [Fact]
    public async Task A_visible_name_still_gets_its_own_reason()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddClusterAsync("shared");
        using var member = app.Client(await app.AddUserAsync(Member));
        await app.GrantAsync(Member, Roles.ClusterViewer, "shared");

        var scoped = await ProbeAsync(member, "POST", "/api/v1/tokens", Permissions.ClustersAdmin, "shared");

        Assert.Equal(400, scoped.Status);
        Assert.Contains("clusters:admin", scoped.Detail, StringComparison.Ordinal);
        var allowed = await member.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("view", Scopes: [$"{Permissions.ClustersView}:shared"]));
        Assert.Equal(System.Net.HttpStatusCode.Created, allowed.StatusCode);
    }

    private static async Task<(int Status, string Detail)> ProbeAsync(HttpClient client, string method, string path, string body, string name)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), string.Format(System.Globalization.CultureInfo.InvariantCulture, path, name));
        if (path == "/api/v1/tokens")
        {
            request.Content = JsonContent.Create(body == "kubeconfig"
                ? new CreateTokenRequest("probe", Kubeconfig: new KubeconfigRequest(name))
                : new CreateTokenRequest("probe", Scopes: [$"{body}:{name}"]));
        }
        else if (method == "POST")
        {
            request.Content = JsonContent.Create(new { });
        }

        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var detail = text.Length > 0 && text[0] == '{' && JsonDocument.Parse(text).RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? "" : text;
        return ((int)response.StatusCode, detail);
    }
}
