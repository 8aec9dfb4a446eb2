using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Commands;

public class PoliciesCommandTests
{
    [Fact]
    public async Task Grant_on_a_cluster_gives_access_there_and_revoke_takes_it_away()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        await Clusters.AddAsync(app, "prod-2");
        using var dev = app.Client(await app.AddUserAsync("dev@example.test"));

        var granted = await cli.RunAsync("policies", "grant", "--user", "dev@example.test", "--role", "cluster-viewer", "--cluster", "prod-1");

        Assert.True(granted.ExitCode == 0, granted.ToString());
        var id = Regex.Match(granted.Out, @"^Granted cluster-viewer for user dev@example\.test on cluster prod-1 \(policy ([0-9a-f-]{36})\)\.\n$").Groups[1].Value;
        Assert.NotEmpty(id);
        Assert.Equal(["prod-1"], (await dev.GetFromJsonAsync<List<ClusterInfo>>("/api/v1/clusters"))!.Select(c => c.Name));
        var list = await cli.RunAsync("policies", "list", "--user", "dev@example.test");
        Assert.Matches($@"{id}\s+user dev@example\.test\s+cluster-viewer\s+cluster prod-1\s", list.Out);
        Assert.DoesNotContain(TestApp.AdminEmail, list.Out, StringComparison.Ordinal);
        Assert.Equal("[]", JsonDocument.Parse((await cli.RunAsync("policies", "list", "--cluster", "prod-2", "-o", "json")).Out).RootElement.GetRawText());

        var revoked = await cli.RunAsync("policies", "revoke", id, "--yes");

        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        Assert.Equal($"Revoked cluster-viewer for user dev@example.test on cluster prod-1 (policy {id}).\n", revoked.Out);
        Assert.Empty((await dev.GetFromJsonAsync<List<ClusterInfo>>("/api/v1/clusters"))!);
    }

    [Fact]
    public async Task Grant_to_a_group_on_a_vpc_or_the_organization_and_list_by_scope()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await app.AddUserAsync("ops@example.test");
        await cli.RunAsync("groups", "create", "network");
        await cli.RunAsync("vpcs", "create", "prod-eu", "--zone", "eu-1", "--cidr", "10.20.0.0/16");

        var onVpc = await cli.RunAsync("policies", "grant", "--group", "network", "--role", "vpc-admin", "--vpc", "prod-eu", "-o", "json");
        var onOrg = await cli.RunAsync("policies", "grant", "--user", "ops@example.test", "--role", "token-viewer");

        Assert.True(onVpc.ExitCode == 0, onVpc.ToString());
        var policy = Assert.Single(JsonDocument.Parse(onVpc.Out).RootElement.EnumerateArray());
        Assert.Equal("network", policy.GetProperty("principal").GetProperty("name").GetString());
        Assert.Equal("prod-eu", policy.GetProperty("scope").GetProperty("name").GetString());
        Assert.True(onOrg.ExitCode == 0, onOrg.ToString());
        Assert.StartsWith("Granted token-viewer for user ops@example.test on the organization (policy ", onOrg.Out, StringComparison.Ordinal);
        var byVpc = await cli.RunAsync("policies", "list", "--vpc", "prod-eu");
        Assert.Matches(@"group network\s+vpc-admin\s+vpc prod-eu", byVpc.Out);
        Assert.DoesNotContain("token-viewer", byVpc.Out, StringComparison.Ordinal);
        Assert.Single(JsonDocument.Parse((await cli.RunAsync("policies", "list", "--vpc", "prod-eu", "-o", "json")).Out).RootElement.EnumerateArray());
        var byRole = await cli.RunAsync("policies", "list", "--role", "token-viewer");
        Assert.Matches(@"user ops@example\.test\s+token-viewer\s+organization", byRole.Out);
        Assert.DoesNotContain("vpc-admin", byRole.Out, StringComparison.Ordinal);

        var revoked = await cli.RunAsync("policies", "revoke", policy.GetProperty("id").GetString()!, "--yes");

        Assert.StartsWith("Revoked vpc-admin for group network on VPC prod-eu (policy ", revoked.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("an unknown role", 1, "error: 'superuser' is not a role. The roles are: ", "--user", "dev@example.test", "--role", "superuser")]
    [InlineData("an unknown user", 1, "error: No member with the email or id 'nobody@example.test'", "--user", "nobody@example.test", "--role", "cluster-viewer")]
    [InlineData("an unknown group", 1, "error: No group named 'no-such-group'", "--group", "no-such-group", "--role", "cluster-viewer")]
    [InlineData("an unknown cluster", 1, "error: No cluster named 'nope' exists in your organization.", "--user", "dev@example.test", "--role", "cluster-viewer", "--cluster", "nope")]
    [InlineData("a role where it means nothing", 1, "It cannot be granted on a cluster.", "--user", "dev@example.test", "--role", "token-admin", "--cluster", "prod-1")]
    [InlineData("nobody to grant to", 2, "error: Say whom to grant the role to", "--role", "cluster-viewer")]
    [InlineData("a user and a group", 2, "error: Say whom to grant the role to", "--user", "dev@example.test", "--group", "sre", "--role", "cluster-viewer")]
    [InlineData("a cluster and a VPC", 2, "error: Give --cluster or --vpc, not both", "--user", "dev@example.test", "--role", "cluster-viewer", "--cluster", "prod-1", "--vpc", "x")]
    [InlineData("no role", 2, "Run 'latchkey policies grant --help'", "--user", "dev@example.test")]
    public async Task A_bad_grant_is_refused_with_the_reason_and_grants_nothing(string why, int exitCode, string message, params string[] args)
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        await app.AddUserAsync("dev@example.test");
        await cli.RunAsync("groups", "create", "sre");
        var before = await Iam.PolicyCountAsync(app);

        var result = await cli.RunAsync(["policies", "grant", .. args]);

        Assert.True(result.ExitCode == exitCode, $"{why}: {result}");
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
        Assert.Equal(before, await Iam.PolicyCountAsync(app));
    }

    [Fact]
    public async Task Revoke_asks_first_and_refuses_malformed_or_unknown_ids_revoking_nothing()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await app.AddUserAsync("dev@example.test");
        var granted = await cli.RunAsync("policies", "grant", "--user", "dev@example.test", "--role", "metrics-reader", "-o", "json");
        var id = JsonDocument.Parse(granted.Out).RootElement[0].GetProperty("id").GetString()!;
        var before = await Iam.PolicyCountAsync(app);

        var unconfirmed = await cli.RunAsync("policies", "revoke", id);
        var malformed = await cli.RunAsync("policies", "revoke", id, "not-an-id", "--yes");
        var unknown = await cli.RunAsync("policies", "revoke", id, Guid.NewGuid().ToString(), "--yes");
        var missing = await cli.RunAsync("policies", "revoke");

        Assert.Equal(2, unconfirmed.ExitCode);
        Assert.Contains("add --yes to revoke", unconfirmed.Error, StringComparison.Ordinal);
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("'not-an-id' is not a policy id", malformed.Error, StringComparison.Ordinal);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("No access policy", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal(before, await Iam.PolicyCountAsync(app));
    }
}
