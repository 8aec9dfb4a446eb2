using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Commands;

public class TokenExpiryMarkTests
{
    [Fact]
    public async Task Tokens_list_marks_active_tokens_that_expire_within_7_days()
    {
        await using var app = await TestApp.StartAsync();
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        foreach (var (name, expires) in new[] { ("soon", "3d"), ("hours", "5h"), ("later", "90d"), ("gone", "2d") })
        {
            Assert.Equal(0, (await cli.RunAsync("tokens", "create", "--name", name, "--expires", expires)).ExitCode);
        }

        var gone = (await cli.RunAsync("tokens", "list")).Out.Split('\n').Single(l => l.Contains(" gone ", StringComparison.Ordinal)).Split(' ')[0];
        Assert.Equal(0, (await cli.RunAsync("tokens", "delete", gone, "--yes")).ExitCode);

        var list = (await cli.RunAsync("tokens", "list")).Out.Split('\n');

        Assert.EndsWith("! in 3d", Column(list, "soon"), StringComparison.Ordinal);
        Assert.EndsWith("! in 5h", Column(list, "hours"), StringComparison.Ordinal);
        Assert.DoesNotContain("!", Column(list, "later"), StringComparison.Ordinal);
        Assert.DoesNotContain("!", Column(list, "gone"), StringComparison.Ordinal);
    }

    /// <summary>The EXPIRES cell of the row for a token name (columns are two spaces apart).</summary>
    private static string Column(string[] table, string name)
    {
        var start = table[0].IndexOf("EXPIRES", StringComparison.Ordinal);
        var end = table[0].IndexOf("LAST USED", StringComparison.Ordinal);
        return table.Single(l => l.Contains($"  {name}  ", StringComparison.Ordinal))[start..end].Trim();
    }
}
