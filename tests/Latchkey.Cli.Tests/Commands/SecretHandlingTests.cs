using System.Text.Json;
using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Core.Kubeconfigs;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Commands;

public class SecretHandlingTests
{
    [Fact]
    public async Task A_whole_cli_session_keeps_every_secret_out_of_urls_server_logs_and_listings()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        await Clusters.AddAsync(app, "prod-1");
        var signIn = JsonDocument.Parse(await File.ReadAllTextAsync(cli.ConfigFile)).RootElement.GetProperty("token").GetString()!;

        var created = JsonDocument.Parse((await cli.RunAsync("tokens", "create", "--name", "ci", "-o", "json")).Out).RootElement.GetProperty("secret").GetString()!;
        Assert.Equal(0, (await cli.RunAsync("kubeconfig", "get", "prod-1", "--name", "laptop")).ExitCode);
        var inFile = KubeconfigFile.Load(cli.DefaultKubeconfig).Entries(KubeconfigSection.Users)[0]["token"]!;
        var credential = JsonDocument.Parse((await cli.RunAsync("credential", "--cluster", "prod-1")).Out).RootElement
            .GetProperty("status").GetProperty("token").GetString()!;
        var listings = (await cli.RunAsync("tokens", "list")).Out + (await cli.RunAsync("kubeconfig", "list")).Out
            + (await cli.RunAsync("kubeconfig", "check")).Out + (await cli.RunAsync("whoami")).Out;
        Assert.Equal(0, (await cli.RunAsync("logout")).ExitCode);

        string[] secrets = [signIn, created, inFile, credential];
        Assert.Equal(4, secrets.Distinct(StringComparer.Ordinal).Count());
        Assert.All(secrets, s => Assert.True(Latchkey.Core.Tokens.TokenFormat.IsWellFormed(s)));
        Assert.NotEmpty(app.Logs.Entries);
        Assert.All(secrets, s => Assert.DoesNotContain(s, app.Logs.All, StringComparison.Ordinal));
        Assert.All(secrets, s => Assert.DoesNotContain(s, listings, StringComparison.Ordinal));
        Assert.DoesNotContain("carried a token in its URL", app.Logs.All, StringComparison.Ordinal);
        var cached = Directory.GetFiles(Path.Combine(cli.Home, ".cache"), "*", SearchOption.AllDirectories);
        Assert.Empty(cached);
    }
}
