using System.Net;
using System.Text.Json;
using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Commands;

public class UsersCommandTests
{
    [Fact]
    public async Task Invite_prints_the_link_once_and_the_member_is_listed_as_invited_with_the_role()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();

        var result = await cli.RunAsync("users", "invite", "dev@example.test", "--name", "Dana Dev", "--role", "cluster-viewer");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Invited dev@example.test (id ", result.Out, StringComparison.Ordinal);
        Assert.Contains("cluster-viewer on the organization", result.Out, StringComparison.Ordinal);
        var link = Assert.Single(result.Out.Split('\n').Select(l => l.Trim()), l => l.StartsWith(app.BaseAddress.ToString(), StringComparison.Ordinal));
        Assert.Contains("/invite/", link, StringComparison.Ordinal);
        Assert.Contains("it will not be shown again", result.Out, StringComparison.Ordinal);

        var list = await cli.RunAsync("users", "list");
        Assert.StartsWith("EMAIL", list.Out, StringComparison.Ordinal);
        Assert.Matches(@"dev@example\.test\s+Dana Dev\s+invited\s+cluster-viewer\s", list.Out);
        Assert.DoesNotContain(link, list.Out, StringComparison.Ordinal);

        var show = JsonDocument.Parse((await cli.RunAsync("users", "show", "DEV@example.test", "-o", "json")).Out).RootElement;
        Assert.Equal("invited", show.GetProperty("status").GetString());
        Assert.Equal((await Iam.UserIdAsync(app, "dev@example.test")).ToString(), show.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Invite_as_json_gives_the_link_to_scripts_and_the_warning_on_stderr()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();

        var result = await cli.RunAsync("users", "invite", "ops@example.test", "-o", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var invited = JsonDocument.Parse(result.Out).RootElement;
        Assert.Contains("/invite/", invited.GetProperty("invitationUrl").GetString(), StringComparison.Ordinal);
        Assert.Equal("ops@example.test", invited.GetProperty("member").GetProperty("email").GetString());
        Assert.Contains("will not be shown again", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_invitations_are_refused_with_the_reason_and_create_nobody()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        var before = await Iam.UserCountAsync(app);

        var role = await cli.RunAsync("users", "invite", "dev@example.test", "--role", "superuser");
        var email = await cli.RunAsync("users", "invite", "not-an-email");
        var taken = await cli.RunAsync("users", "invite", TestApp.AdminEmail);
        var missing = await cli.RunAsync("users", "invite");

        Assert.Equal(1, role.ExitCode);
        Assert.StartsWith("error: 'superuser' is not a role. The roles are: ", role.Error, StringComparison.Ordinal);
        Assert.Equal(1, email.ExitCode);
        Assert.Contains("email address", email.Error, StringComparison.Ordinal);
        Assert.Equal(1, taken.ExitCode);
        Assert.Contains("already has an account", taken.Error, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("latchkey users invite --help", missing.Error, StringComparison.Ordinal);
        Assert.Equal(before, await Iam.UserCountAsync(app));
    }

    [Fact]
    public async Task Disable_stops_the_members_tokens_and_enable_by_id_brings_them_back()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        using var dev = app.Client(await app.AddUserAsync("dev@example.test"));

        var disabled = await cli.RunAsync("users", "disable", "dev@example.test");

        Assert.True(disabled.ExitCode == 0, disabled.ToString());
        Assert.Contains("Disabled dev@example.test", disabled.Out, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await dev.GetAsync("/api/v1/whoami")).StatusCode);
        Assert.Matches(@"dev@example\.test\s+dev\s+disabled", (await cli.RunAsync("users", "list")).Out);

        var enabled = await cli.RunAsync("users", "enable", (await Iam.UserIdAsync(app, "dev@example.test")).ToString());

        Assert.True(enabled.ExitCode == 0, enabled.ToString());
        Assert.Equal(HttpStatusCode.OK, (await dev.GetAsync("/api/v1/whoami")).StatusCode);
    }

    [Fact]
    public async Task Disabling_nobody_or_oneself_is_an_error_and_changes_nothing()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();

        var unknown = await cli.RunAsync("users", "disable", "nobody@example.test");
        var self = await cli.RunAsync("users", "disable", TestApp.AdminEmail);
        var missing = await cli.RunAsync("users", "show");

        Assert.Equal(1, unknown.ExitCode);
        Assert.StartsWith("error: No member with the email or id 'nobody@example.test'", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(1, self.ExitCode);
        Assert.Contains("cannot disable your own account", self.Error, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal(0, (await cli.RunAsync("whoami")).ExitCode);
    }

    [Fact]
    public async Task A_member_without_the_org_admin_role_is_told_what_it_takes()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddUserAsync("dev@example.test");
        using var cli = new CliHarness(app);
        await cli.LoginAsync("dev@example.test", "pw-dev@example.test");

        var result = await cli.RunAsync("users", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: Managing members needs the org-admin role.\n", result.Error);
    }
}
