using System.CommandLine;
using Latchkey.Cli.Output;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey tokens</c>: the group; each subcommand is its own class.</summary>
internal static class TokensCommand
{
    public static Command Build(CliConsole console, CliEnvironment env) =>
        new Command("tokens", "Create, list, show, rotate and delete your access tokens.")
        {
            TokensCreateCommand.Build(console, env),
            TokensListCommand.Build(console, env),
            TokensShowCommand.Build(console, env),
            TokensRotateCommand.Build(console, env),
            TokensDeleteCommand.Build(console, env),
        }.WithExamples(
            "latchkey tokens create --name ci-deploy --expires 90d",
            "latchkey tokens list",
            "latchkey tokens rotate 0a1b2c3d4e5f6g7h --grace 1h",
            "latchkey tokens delete 0a1b2c3d4e5f6g7h");
}
