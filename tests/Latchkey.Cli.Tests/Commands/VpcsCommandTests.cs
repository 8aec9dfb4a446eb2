using System.Text.Json;
using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Commands;

public class VpcsCommandTests
{
    [Fact]
    public async Task Create_list_and_delete_a_vpc()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();

        var created = await cli.RunAsync("vpcs", "create", "prod-eu", "--zone", "eu-1", "--cidr", "10.20.0.0/16");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.StartsWith("Created VPC prod-eu (10.20.0.0/16 in zone eu-1, id ", created.Out, StringComparison.Ordinal);
        var list = await cli.RunAsync("vpcs", "list");
        Assert.StartsWith("NAME", list.Out, StringComparison.Ordinal);
        Assert.Matches(@"prod-eu\s+eu-1\s+10\.20\.0\.0/16\s", list.Out);
        var json = Assert.Single(JsonDocument.Parse((await cli.RunAsync("vpcs", "list", "-o", "json")).Out).RootElement.EnumerateArray());
        Assert.Equal("10.20.0.0/16", json.GetProperty("cidr").GetString());

        var unconfirmed = await cli.RunAsync("vpcs", "delete", "prod-eu");
        Assert.Equal(2, unconfirmed.ExitCode);
        Assert.Equal(1, await Iam.VpcCountAsync(app));

        var deleted = await cli.RunAsync("vpcs", "delete", json.GetProperty("id").GetString()!, "--yes");

        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Equal("Deleted VPC prod-eu.\n", deleted.Out);
        Assert.Equal(0, await Iam.VpcCountAsync(app));
    }

    [Fact]
    public async Task Bad_vpcs_are_refused_and_one_a_policy_is_scoped_to_is_not_deleted()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await cli.RunAsync("vpcs", "create", "prod-eu", "--zone", "eu-1", "--cidr", "10.20.0.0/16");
        await cli.RunAsync("policies", "grant", "--user", TestApp.AdminEmail, "--role", "vpc-viewer", "--vpc", "prod-eu");

        var badCidr = await cli.RunAsync("vpcs", "create", "staging", "--zone", "eu-1", "--cidr", "10.0.0.300/8");
        var taken = await cli.RunAsync("vpcs", "create", "prod-eu", "--zone", "eu-1", "--cidr", "10.30.0.0/16");
        var noZone = await cli.RunAsync("vpcs", "create", "staging", "--cidr", "10.30.0.0/16");
        var inUse = await cli.RunAsync("vpcs", "delete", "prod-eu", "--yes");
        var unknown = await cli.RunAsync("vpcs", "delete", "nowhere", "--yes");

        Assert.Equal(1, badCidr.ExitCode);
        Assert.Contains("cidr", badCidr.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, taken.ExitCode);
        Assert.Contains("already exists", taken.Error, StringComparison.Ordinal);
        Assert.Equal(2, noZone.ExitCode);
        Assert.Contains("--zone", noZone.Error, StringComparison.Ordinal);
        Assert.Equal(1, inUse.ExitCode);
        Assert.Contains("is the scope of 1 access policy(ies), so it was not deleted", inUse.Error, StringComparison.Ordinal);
        Assert.Contains("latchkey policies revoke", inUse.Error, StringComparison.Ordinal);
        Assert.Equal(1, unknown.ExitCode);
        Assert.StartsWith("error: No VPC named 'nowhere'", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(1, await Iam.VpcCountAsync(app));
    }
}
