using System.Net;
using System.Text.Json;
using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Commands;

public class SessionCommandTests
{
    [Fact]
    public async Task Login_keeps_the_token_in_a_0600_config_and_whoami_shows_the_user()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);

        await cli.LoginAsync();
        var whoami = await cli.RunAsync("whoami");

        Assert.True(whoami.ExitCode == 0, whoami.ToString());
        Assert.Contains(TestApp.AdminEmail, whoami.Out, StringComparison.Ordinal);
        Assert.Contains("organization: ", whoami.Out, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cli.ConfigFile));
        var config = JsonDocument.Parse(await File.ReadAllTextAsync(cli.ConfigFile)).RootElement;
        Assert.StartsWith("lk_", config.GetProperty("token").GetString(), StringComparison.Ordinal);
        Assert.Equal(app.BaseAddress.ToString(), config.GetProperty("server").GetString());
    }

    [Fact]
    public async Task Config_lives_under_XDG_CONFIG_HOME_when_it_is_set()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        var xdg = Path.Combine(cli.Home, "xdg");
        cli.Variables["XDG_CONFIG_HOME"] = xdg;

        await cli.LoginAsync();

        Assert.True(File.Exists(Path.Combine(xdg, "latchkey", "config.json")));
        Assert.False(File.Exists(cli.ConfigFile));
    }

    [Fact]
    public async Task Wrong_password_is_a_clear_error_with_exit_1_and_keeps_nothing()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);

        var result = await cli.RunWithInputAsync("not-the-password\n", "login", "--server", app.BaseAddress.ToString(), "--email", TestApp.AdminEmail, "--password-stdin");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: The email or password is not right, or the account is disabled.\n", result.Error);
        Assert.False(File.Exists(cli.ConfigFile));
    }

    [Fact]
    public async Task Logout_revokes_the_login_token_on_the_server_and_forgets_it()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        var token = JsonDocument.Parse(await File.ReadAllTextAsync(cli.ConfigFile)).RootElement.GetProperty("token").GetString();

        var result = await cli.RunAsync("logout");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var client = app.Client(token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        Assert.DoesNotContain("lk_", await File.ReadAllTextAsync(cli.ConfigFile), StringComparison.Ordinal);
        Assert.Equal(1, (await cli.RunAsync("whoami")).ExitCode);
    }

    [Fact]
    public async Task Signing_in_again_revokes_the_previous_sign_in()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        var first = JsonDocument.Parse(await File.ReadAllTextAsync(cli.ConfigFile)).RootElement.GetProperty("token").GetString();

        await cli.LoginAsync();

        using var client = app.Client(first);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        Assert.Equal(0, (await cli.RunAsync("whoami")).ExitCode);
    }

    [Fact]
    public async Task Environment_variables_sign_in_without_a_config_file()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        cli.Variables["LATCHKEY_SERVER"] = app.BaseAddress.ToString();
        cli.Variables["LATCHKEY_TOKEN"] = await app.LoginAsync();

        var result = await cli.RunAsync("whoami", "-o", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(TestApp.AdminEmail, JsonDocument.Parse(result.Out).RootElement.GetProperty("user").GetProperty("email").GetString());
        Assert.False(File.Exists(cli.ConfigFile));
    }

    [Fact]
    public async Task Without_a_sign_in_every_server_command_says_how_to_sign_in()
    {
        using var cli = new CliHarness();

        var result = await cli.RunAsync("tokens", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("latchkey login --server URL", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_is_down_is_one_clear_line_and_exit_1()
    {
        using var cli = new CliHarness();
        cli.Variables["LATCHKEY_SERVER"] = $"http://127.0.0.1:{FreePort()}";
        cli.Variables["LATCHKEY_TOKEN"] = "lk_fake_test_token_not_a_secret";

        var result = await cli.RunAsync("tokens", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: Cannot reach the Latchkey server at {cli.Variables["LATCHKEY_SERVER"]}/: connection refused (is it running, and is the address right?).\n", result.Error);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task A_server_that_is_down_prints_no_stack_trace_from_the_real_executable()
    {
        using var cli = new CliHarness();
        var env = CliProcess.Environment(cli.Home);
        env["LATCHKEY_SERVER"] = $"http://127.0.0.1:{FreePort()}";
        env["LATCHKEY_TOKEN"] = "lk_fake_test_token_not_a_secret";

        var result = await CliProcess.RunAsync(CliProcess.Executable, ["whoami"], env);

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: Cannot reach the Latchkey server", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tokens")]
    [InlineData("tokens", "create")]
    [InlineData("tokens", "list", "--bogus")]
    [InlineData("tokens", "list", "-o", "xml")]
    [InlineData("completion", "powershell")]
    [InlineData("login", "--server", "not a url")]
    [InlineData("tokens", "create", "--name", "x", "--expires", "soon")]
    public async Task Usage_errors_exit_with_2_and_point_to_help(params string[] args)
    {
        using var cli = new CliHarness();
        cli.Variables["LATCHKEY_SERVER"] = "http://127.0.0.1:1";
        cli.Variables["LATCHKEY_TOKEN"] = "lk_fake_test_token_not_a_secret";

        var result = await cli.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
    }

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
