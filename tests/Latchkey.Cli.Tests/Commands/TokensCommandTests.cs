using System.Net;
using System.Text.Json;
using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Core.Kubeconfigs;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Commands;

public class TokensCommandTests
{
    [Fact]
    public async Task Create_prints_the_secret_once_and_says_it_will_not_be_shown_again()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();

        var result = await cli.RunAsync("tokens", "create", "--name", "ci deploy", "--note", "pipeline", "--expires", "90d");

        Assert.True(result.ExitCode == 0, result.ToString());
        var secret = result.Out.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("lk_", StringComparison.Ordinal));
        Assert.Contains("it will not be shown again", result.Out, StringComparison.Ordinal);
        Assert.Contains($"expires {app.Time.GetUtcNow().AddDays(90):yyyy-MM-dd HH:mm} UTC", result.Out, StringComparison.Ordinal);
        using var client = app.Client(secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);

        var list = await cli.RunAsync("tokens", "list");
        Assert.Contains("ci deploy", list.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_as_json_gives_the_secret_to_scripts_and_the_warning_on_stderr()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();

        var result = await cli.RunAsync("tokens", "create", "--name", "nightly", "--expires", "2026-12-31", "-o", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var created = JsonDocument.Parse(result.Out).RootElement;
        Assert.StartsWith("lk_", created.GetProperty("secret").GetString(), StringComparison.Ordinal);
        Assert.Equal("2026-12-31T00:00:00+00:00", created.GetProperty("expiresAt").GetString());
        Assert.Contains("will not be shown again", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_with_scopes_makes_a_narrowed_token_and_show_lists_its_scopes()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();

        var result = await cli.RunAsync("tokens", "create", "--name", "grafana", "--scope", "metrics:read", "--scope", "logs:read");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("scoped to logs:read metrics:read", result.Out, StringComparison.Ordinal);
        var secret = result.Out.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("lk_", StringComparison.Ordinal));
        using var client = app.Client(secret);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/tokens")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);

        var id = System.Text.RegularExpressions.Regex.Match(result.Out, @"\(id (\w+)\)").Groups[1].Value;
        var show = await cli.RunAsync("tokens", "show", id);
        Assert.Contains("scopes:     logs:read metrics:read", show.Out, StringComparison.Ordinal);

        var refused = await cli.RunAsync("tokens", "create", "--name", "bad", "--scope", "clusters:delete");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("is not a scope", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_with_a_kubeconfig_prints_one_holding_the_secret()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");

        var result = await cli.RunAsync("tokens", "create", "--name", "laptop", "--kubeconfig", "prod-1", "-o", "yaml");

        Assert.True(result.ExitCode == 0, result.ToString());
        var yaml = YamlDotNetDocument(result.Out);
        var config = Kubeconfig.Parse(yaml["kubeconfig"], "output");
        Assert.Equal(yaml["secret"], Assert.Single(config.Entries(KubeconfigSection.Users))["token"]);
    }

    [Fact]
    public async Task Never_is_refused_with_the_servers_reason_when_the_organization_requires_expiry()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();

        var result = await cli.RunAsync("tokens", "create", "--name", "forever", "--expires", "never");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("requires tokens to expire", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_and_delete_work_by_id_and_deleted_tokens_stop_working()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        var created = JsonDocument.Parse((await cli.RunAsync("tokens", "create", "--name", "temp", "-o", "json")).Out).RootElement;
        var id = created.GetProperty("id").GetString()!;

        var show = await cli.RunAsync("tokens", "show", id);
        Assert.Contains("status:     active", show.Out, StringComparison.Ordinal);

        var refused = await cli.RunAsync("tokens", "delete", id);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--yes", refused.Error, StringComparison.Ordinal);

        var deleted = await cli.RunAsync("tokens", "delete", id, "--yes");
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        using var client = app.Client(created.GetProperty("secret").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        Assert.Contains("revoked", (await cli.RunAsync("tokens", "list", "--status", "revoked")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_an_unknown_token_is_an_error_naming_it()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();

        var result = await cli.RunAsync("tokens", "delete", "nosuchtoken00000", "--yes");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: token nosuchtoken00000: No token", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_as_json_holds_every_token_and_no_secret()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await cli.RunAsync("tokens", "create", "--name", "one");
        await cli.RunAsync("tokens", "create", "--name", "two");

        var result = await cli.RunAsync("tokens", "list", "-o", "json");

        var names = JsonDocument.Parse(result.Out).RootElement.EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Contains("one", names);
        Assert.Contains("two", names);
        Assert.DoesNotContain("lk_", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clusters_list_shows_the_clusters_the_user_may_use()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");

        var result = await cli.RunAsync("clusters", "list");

        Assert.Contains("prod-1", result.Out, StringComparison.Ordinal);
        Assert.StartsWith("NAME", result.Out, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> YamlDotNetDocument(string yaml)
    {
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader(yaml));
        return ((YamlDotNet.RepresentationModel.YamlMappingNode)stream.Documents[0].RootNode).Children
            .ToDictionary(p => p.Key.ToString(), p => p.Value is YamlDotNet.RepresentationModel.YamlScalarNode s ? s.Value ?? "" : "");
    }
}
