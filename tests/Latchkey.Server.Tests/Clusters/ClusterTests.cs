using System.Net;
using System.Net.Http.Json;
using System.Text;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Clusters;

public class ClusterTests
{
    private static readonly string CaData = TestCertificate.PemBase64(TestCertificate.Create());

    [Fact]
    public async Task Admin_registers_lists_and_removes_a_cluster_and_each_change_is_audited()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());

        var created = await Api.ReadAsync<ClusterInfo>(await admin.PostAsJsonAsync("/api/v1/clusters",
            new CreateClusterRequest("prod-1", "https://prod-1.k8s.eu-1.example.test:6443/", CaData, "eu-1")));
        Assert.Equal("https://prod-1.k8s.eu-1.example.test:6443", created.Server);
        Assert.Equal(created.Server, created.Audience);
        Assert.Equal("default", created.DefaultNamespace);
        Assert.Equal(CaData, created.CertificateAuthorityData);

        Assert.Equal("prod-1", Assert.Single(await Api.ReadAsync<List<ClusterInfo>>(await admin.GetAsync("/api/v1/clusters"))).Name);
        await Api.AssertProblemAsync(await admin.PostAsJsonAsync("/api/v1/clusters", new CreateClusterRequest("prod-1", "https://x.example.test")), HttpStatusCode.Conflict);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/v1/clusters/prod-1")).StatusCode);
        Assert.Empty(await Api.ReadAsync<List<ClusterInfo>>(await admin.GetAsync("/api/v1/clusters")));
        await Api.AssertProblemAsync(await admin.DeleteAsync("/api/v1/clusters/prod-1"), HttpStatusCode.NotFound);

        var actions = await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Where(e => e.TargetType == "cluster" && e.Outcome == "success").Select(e => e.Action).ToList()));
        Assert.Equal(["cluster.create", "cluster.delete"], actions);
    }

    public static TheoryData<string, string> BadClusters => new()
    {
        { """{"server":"https://a.example.test"}""", "name" },
        { """{"name":"Prod_1","server":"https://a.example.test"}""", "name" },
        { $$"""{"name":"{{new string('a', 64)}}","server":"https://a.example.test"}""", "name" },
        { """{"name":"prod"}""", "server" },
        { """{"name":"prod","server":"a.example.test"}""", "server" },
        { """{"name":"prod","server":"ftp://a.example.test"}""", "server" },
        { """{"name":"prod","server":"https://a.example.test","certificateAuthorityData":"not base64!"}""", "certificateAuthorityData" },
        { """{"name":"prod","server":"https://a.example.test","certificateAuthorityData":"aGVsbG8="}""", "certificateAuthorityData" },
        // Only the words of a certificate, not one: a substring check took this.
        { """{"name":"prod","server":"https://a.example.test","certificateAuthorityData":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="}""", "certificateAuthorityData" },
        { """{"name":"prod","server":"http://a.example.test"}""", "server" },
        { """{"name":"prod","server":"https://admin:secret@a.example.test"}""", "server" },
        { """{"name":"prod","server":"https://a.example.test/\nclusters:"}""", "server" },
        { """{"name":"prod","server":"https://a.example.test?x=1"}""", "server" },
        { """{"name":"prod","server":"https://a.example.test#top"}""", "server" },
        { """{"name":"prod","server":" https://a.example.test"}""", "server" },
        { """{"name":"prod","server":"https://a.example.test","defaultNamespace":"Not A Namespace"}""", "defaultNamespace" },
        { """{"name":"prod","server":"https://a.example.test","color":"blue"}""", "color" },
    };

    [Theory]
    [MemberData(nameof(BadClusters))]
    public async Task Bad_cluster_is_a_400_naming_the_field_and_changes_nothing(string body, string field)
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());

        var problem = await Api.AssertProblemAsync(
            await admin.PostAsync("/api/v1/clusters", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);

        var detail = problem.GetProperty("detail").GetString()!;
        Assert.True(detail.Contains(field, StringComparison.Ordinal), $"'{detail}' should name {field}");
        Assert.Equal(0, await app.WithStoreAsync(db => Task.FromResult(db.Clusters.Count())));
    }

    [Fact]
    public async Task Members_cannot_register_clusters_and_see_only_those_a_policy_grants()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        foreach (var name in new[] { "prod-1", "prod-2" })
        {
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/clusters", new CreateClusterRequest(name, $"https://{name}.example.test"))).StatusCode);
        }

        using var member = app.Client(await app.AddUserAsync("m@example.test"));
        await Api.AssertProblemAsync(await member.PostAsJsonAsync("/api/v1/clusters", new CreateClusterRequest("mine", "https://m.example.test")), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await member.DeleteAsync("/api/v1/clusters/prod-1"), HttpStatusCode.Forbidden);
        Assert.Empty(await Api.ReadAsync<List<ClusterInfo>>(await member.GetAsync("/api/v1/clusters")));

        await app.GrantAsync("m@example.test", Roles.ClusterViewer, "prod-2");

        Assert.Equal("prod-2", Assert.Single(await Api.ReadAsync<List<ClusterInfo>>(await member.GetAsync("/api/v1/clusters"))).Name);
    }
}
