using System.Net;
using System.Text.Json;
using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Commands;

public class TokensLifecycleCommandTests
{
    [Fact]
    public async Task Rotate_prints_the_new_secret_once_and_the_old_one_works_until_the_grace_ends()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        var created = JsonDocument.Parse((await cli.RunAsync("tokens", "create", "--name", "deploy", "--expires", "90d", "-o", "json")).Out).RootElement;
        var (id, oldSecret) = (created.GetProperty("id").GetString()!, created.GetProperty("secret").GetString()!);

        var result = await cli.RunAsync("tokens", "rotate", id, "--grace", "1h");

        Assert.True(result.ExitCode == 0, result.ToString());
        var secret = Assert.Single(result.Out.Split('\n').Select(l => l.Trim()), l => l.StartsWith("lk_", StringComparison.Ordinal));
        Assert.Contains($"Rotated token \"deploy\" ({id})", result.Out, StringComparison.Ordinal);
        Assert.Contains($"The old secret works until {app.Time.GetUtcNow().AddHours(1):yyyy-MM-dd HH:mm} UTC.", result.Out, StringComparison.Ordinal);
        Assert.Contains("it will not be shown again", result.Out, StringComparison.Ordinal);
        using var renewed = app.Client(secret);
        using var old = app.Client(oldSecret);
        Assert.Equal(HttpStatusCode.OK, (await renewed.GetAsync("/api/v1/whoami")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await old.GetAsync("/api/v1/whoami")).StatusCode);

        app.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await old.GetAsync("/api/v1/whoami")).StatusCode);
        Assert.DoesNotContain("lk_", (await cli.RunAsync("tokens", "show", id)).Out, StringComparison.Ordinal);

        var again = await cli.RunAsync("tokens", "rotate", id);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("rotated and has stopped working", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotate_self_replaces_the_stored_sign_in_and_the_old_one_stops_at_the_next_command()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        var before = JsonDocument.Parse(await File.ReadAllTextAsync(cli.ConfigFile)).RootElement.GetProperty("token").GetString();

        var result = await cli.RunAsync("tokens", "rotate", "--self");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("the CLI now signs in with the new one", result.Out, StringComparison.Ordinal);
        Assert.Contains("The old secret works until the new one is first used.", result.Out, StringComparison.Ordinal);
        var stored = JsonDocument.Parse(await File.ReadAllTextAsync(cli.ConfigFile)).RootElement.GetProperty("token").GetString();
        Assert.NotEqual(before, stored);
        Assert.Contains(stored!, result.Out, StringComparison.Ordinal);
        Assert.Equal(0, (await cli.RunAsync("whoami")).ExitCode);
        using var old = app.Client(before);
        Assert.Equal(HttpStatusCode.Unauthorized, (await old.GetAsync("/api/v1/whoami")).StatusCode);
    }

    [Theory]
    [InlineData("tokens", "rotate", "abc", "--grace", "1y")]
    [InlineData("tokens", "rotate", "abc", "--grace", "-5m")]
    [InlineData("tokens", "rotate")]
    [InlineData("tokens", "rotate", "abc", "--self")]
    public async Task Rotate_with_a_bad_grace_or_no_single_target_is_a_usage_error(params string[] args)
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();

        var result = await cli.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_prints_uses_per_door_for_7_and_30_days_and_the_recent_addresses()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        var created = JsonDocument.Parse((await cli.RunAsync("tokens", "create", "--name", "scraper", "--allow-cidr", "127.0.0.0/8", "--allow-cidr", "10.0.0.0/8", "-o", "json")).Out).RootElement;
        var id = created.GetProperty("id").GetString()!;
        using var client = app.Client(created.GetProperty("secret").GetString());
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/verify")).StatusCode);
        }

        app.Time.Advance(TimeSpan.FromDays(10));
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "10.4.4.4");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);

        var show = await cli.RunAsync("tokens", "show", id);

        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("networks:   127.0.0.0/8, 10.0.0.0/8", show.Out, StringComparison.Ordinal);
        var lines = show.Out.Split('\n');
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["api", "1", "1"]);
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["forward-auth", "0", "3"]);
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["kubernetes", "0", "0"]);
        Assert.Contains(lines, l => l.StartsWith("10.4.4.4 ", StringComparison.Ordinal) && l.Contains(app.Time.GetUtcNow().ToString("yyyy-MM-dd HH:mm", null), StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("127.0.0.1 ", StringComparison.Ordinal));
    }
}
