using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Iam;

public class VpcApiTests
{
    [Fact]
    public async Task An_admin_creates_lists_shows_and_deletes_a_vpc_and_each_change_is_audited()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());

        var created = await admin.CreateVpcAsync("prod-eu", "10.20.0.0/16", "eu-1");
        Assert.Equal(("prod-eu", "eu-1", "10.20.0.0/16"), (created.Name, created.Zone, created.Cidr));
        var v6 = await admin.CreateVpcAsync("prod-v6", "FD00:10:0::/48");
        Assert.Equal("fd00:10::/48", v6.Cidr);
        Assert.Equal(["prod-eu", "prod-v6"], (await Api.ReadAsync<List<VpcInfo>>(await admin.GetAsync("/api/v1/vpcs"))).Select(v => v.Name));
        Assert.Equal(created, await Api.ReadAsync<VpcInfo>(await admin.GetAsync($"/api/v1/vpcs/{created.Id}")));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/vpcs/{created.Id}")).StatusCode);
        await Api.AssertProblemAsync(await admin.GetAsync($"/api/v1/vpcs/{created.Id}"), HttpStatusCode.NotFound);

        var audited = await app.AuditedAsync("vpc.create");
        Assert.Equal(["prod-eu", "prod-v6"], audited.Select(e => e.TargetId));
        Assert.Contains("10.20.0.0/16", audited[0].Detail, StringComparison.Ordinal);
        Assert.Equal("prod-eu", Assert.Single(await app.AuditedAsync("vpc.delete")).TargetId);
    }

    [Fact]
    public async Task A_vpc_that_a_policy_is_scoped_to_is_not_deleted_and_the_answer_names_the_policy()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        await app.AddUserAsync("net@example.test");
        var vpc = await admin.CreateVpcAsync("prod-eu");
        var policy = Assert.Single(await admin.GrantAsync("user", await app.UserIdAsync("net@example.test"), Roles.VpcViewer, new ScopeRequest("vpc", vpc.Id)));

        var refused = await Api.AssertProblemAsync(await admin.DeleteAsync($"/api/v1/vpcs/{vpc.Id}"), HttpStatusCode.Conflict);
        var detail = refused.GetProperty("detail").GetString()!;
        Assert.Contains("vpc-viewer for user net@example.test", detail, StringComparison.Ordinal);
        Assert.Contains(policy.Id.ToString(), detail, StringComparison.Ordinal);
        Assert.Single(await Api.ReadAsync<List<VpcInfo>>(await admin.GetAsync("/api/v1/vpcs")));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/policies/{policy.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/vpcs/{vpc.Id}")).StatusCode);
    }

    [Fact]
    public async Task A_member_sees_only_the_vpcs_a_policy_lets_them_see_and_cannot_create_any()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        var seen = await admin.CreateVpcAsync("seen", "10.1.0.0/16");
        var hidden = await admin.CreateVpcAsync("hidden", "10.2.0.0/16");
        using var member = app.Client(await app.AddUserAsync("net@example.test"));
        Assert.Empty(await Api.ReadAsync<List<VpcInfo>>(await member.GetAsync("/api/v1/vpcs")));

        await admin.GrantAsync("user", await app.UserIdAsync("net@example.test"), Roles.VpcAdmin, new ScopeRequest("vpc", Name: "seen"));

        Assert.Equal(seen.Id, Assert.Single(await Api.ReadAsync<List<VpcInfo>>(await member.GetAsync("/api/v1/vpcs"))).Id);
        await Api.ReadAsync<VpcInfo>(await member.GetAsync($"/api/v1/vpcs/{seen.Id}"));
        await Api.AssertProblemAsync(await member.GetAsync($"/api/v1/vpcs/{hidden.Id}"), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await member.DeleteAsync($"/api/v1/vpcs/{hidden.Id}"), HttpStatusCode.NotFound);
        await Api.AssertProblemAsync(await member.PostAsJsonAsync("/api/v1/vpcs", new CreateVpcRequest("mine", "eu-1", "10.3.0.0/16")), HttpStatusCode.Forbidden);
        Assert.Equal(2, await app.WithStoreAsync(db => Task.FromResult(db.Vpcs.Count())));
        Assert.Contains(await app.AuditedAsync("vpc.create"), e => e.Outcome == "denied" && e.ActorEmail == "net@example.test");

        // With vpc-viewer on the organization, every VPC.
        await admin.GrantAsync("user", await app.UserIdAsync("net@example.test"), Roles.VpcViewer);
        Assert.Equal(2, (await Api.ReadAsync<List<VpcInfo>>(await member.GetAsync("/api/v1/vpcs"))).Count);
    }
}
