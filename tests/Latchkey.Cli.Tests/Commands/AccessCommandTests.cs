using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Commands;

public class AccessCommandTests
{
    [Fact]
    public async Task Access_lists_what_the_signed_in_member_and_one_token_may_do_and_where()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        var admin = await app.LoginAsync();
        var scoped = await app.CreateTokenAsync(admin, new CreateTokenRequest("scrape", Scopes: ["metrics:read"]));

        var mine = await cli.RunAsync("access");
        Assert.True(mine.ExitCode == 0, mine.ToString());
        Assert.Contains($"Access of {TestApp.AdminEmail}:", mine.Out, StringComparison.Ordinal);
        Assert.Matches(@"iam:manage\s+organization\s+org-admin \(user\)", mine.Out);

        var token = await cli.RunAsync("access", "--token", scoped.Id);
        Assert.True(token.ExitCode == 0, token.ToString());
        Assert.Contains("scopes: metrics:read", token.Out, StringComparison.Ordinal);
        Assert.Matches(@"metrics:read\s+organization\s+" + Roles.OrgAdmin, token.Out);
        Assert.DoesNotContain("iam:manage", token.Out, StringComparison.Ordinal);

        var both = await cli.RunAsync("access", "--token", scoped.Id, "--user", "me");
        Assert.Equal(2, both.ExitCode);
        var unknown = await cli.RunAsync("access", "--token", "nosuchtoken00000");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("No token", unknown.Error, StringComparison.Ordinal);
    }
}
