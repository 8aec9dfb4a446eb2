using System.Text.Json;
using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Commands;

public class GroupsCommandTests
{
    [Fact]
    public async Task Members_are_added_by_email_or_id_shown_and_removed()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await app.AddUserAsync("ana@example.test");
        await app.AddUserAsync("bo@example.test");
        var bo = await Iam.UserIdAsync(app, "bo@example.test");

        var created = await cli.RunAsync("groups", "create", "platform-team");
        var added = await cli.RunAsync("groups", "add-member", "platform-team", "ana@example.test", bo.ToString());
        var again = await cli.RunAsync("groups", "add-member", "PLATFORM-TEAM", "ana@example.test");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.StartsWith("Created group platform-team (id ", created.Out, StringComparison.Ordinal);
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Equal("Added ana@example.test to group platform-team.\nAdded bo@example.test to group platform-team.\n", added.Out);
        Assert.Equal("ana@example.test is already a member of group platform-team.\n", again.Out);
        Assert.Equal(["ana@example.test", "bo@example.test"], await Iam.MembersAsync(app, "platform-team"));
        Assert.Matches(@"platform-team\s+2\s", (await cli.RunAsync("groups", "list")).Out);
        var show = await cli.RunAsync("groups", "show", "platform-team");
        Assert.Matches(@"ana@example\.test\s+ana\s", show.Out);
        Assert.Matches($@"bo@example\.test\s+bo\s+{bo}", show.Out);

        var removed = await cli.RunAsync("groups", "remove-member", "platform-team", "ana@example.test");

        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Equal(["bo@example.test"], await Iam.MembersAsync(app, "platform-team"));
        var json = JsonDocument.Parse((await cli.RunAsync("groups", "show", "platform-team", "-o", "json")).Out).RootElement;
        Assert.Equal("bo@example.test", Assert.Single(json.GetProperty("members").EnumerateArray()).GetProperty("email").GetString());
    }

    [Fact]
    public async Task An_unknown_member_or_group_is_an_error_and_nobody_is_added_or_removed()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await app.AddUserAsync("ana@example.test");
        await app.AddUserAsync("bo@example.test");
        await cli.RunAsync("groups", "create", "sre");
        await cli.RunAsync("groups", "add-member", "sre", "bo@example.test");

        var unknownUser = await cli.RunAsync("groups", "add-member", "sre", "ana@example.test", "nobody@example.test");
        var unknownGroup = await cli.RunAsync("groups", "add-member", "no-such-group", "ana@example.test");
        var notAMember = await cli.RunAsync("groups", "remove-member", "sre", "bo@example.test", "ana@example.test");
        var noUser = await cli.RunAsync("groups", "add-member", "sre");

        Assert.Equal(1, unknownUser.ExitCode);
        Assert.Contains("'nobody@example.test'", unknownUser.Error, StringComparison.Ordinal);
        Assert.Equal("", unknownUser.Out);
        Assert.Equal(1, unknownGroup.ExitCode);
        Assert.StartsWith("error: No group named 'no-such-group'", unknownGroup.Error, StringComparison.Ordinal);
        Assert.Equal(1, notAMember.ExitCode);
        Assert.Contains("ana@example.test is not a member of group sre; nothing was changed", notAMember.Error, StringComparison.Ordinal);
        Assert.Equal(2, noUser.ExitCode);
        Assert.Contains("latchkey groups add-member --help", noUser.Error, StringComparison.Ordinal);
        Assert.Equal(["bo@example.test"], await Iam.MembersAsync(app, "sre"));
    }

    [Fact]
    public async Task Bad_or_taken_names_are_refused_with_the_servers_reason()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await cli.RunAsync("groups", "create", "sre");

        var bad = await cli.RunAsync("groups", "create", "not a name!");
        var taken = await cli.RunAsync("groups", "create", "SRE");

        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("The group name must be", bad.Error, StringComparison.Ordinal);
        Assert.Equal(1, taken.ExitCode);
        Assert.Contains("already exists", taken.Error, StringComparison.Ordinal);
        Assert.Equal(1, await Iam.GroupCountAsync(app));
    }

    [Fact]
    public async Task Delete_asks_first_then_takes_the_groups_policies_with_it()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await cli.RunAsync("groups", "create", "readers");
        var granted = await cli.RunAsync("policies", "grant", "--group", "readers", "--role", "metrics-reader");
        Assert.True(granted.ExitCode == 0, granted.ToString());
        var policies = await Iam.PolicyCountAsync(app);

        var unconfirmed = await cli.RunAsync("groups", "delete", "readers");

        Assert.Equal(2, unconfirmed.ExitCode);
        Assert.Contains("--yes", unconfirmed.Error, StringComparison.Ordinal);
        Assert.Equal(1, await Iam.GroupCountAsync(app));

        var deleted = await cli.RunAsync("groups", "delete", "readers", "--yes");

        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Equal("Deleted group readers.\n", deleted.Out);
        Assert.Equal(0, await Iam.GroupCountAsync(app));
        Assert.Equal(policies - 1, await Iam.PolicyCountAsync(app));
        Assert.Equal(1, (await cli.RunAsync("groups", "show", "readers")).ExitCode);
    }
}
