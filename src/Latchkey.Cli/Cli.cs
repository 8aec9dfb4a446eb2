using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Latchkey.Cli.Commands;
using Latchkey.Cli.Output;
using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Cli;

/// <summary>The <c>latchkey</c> command: every subcommand, and the one place errors become messages and exit codes.</summary>
internal static class Cli
{
    public static RootCommand Build(CliConsole console, CliEnvironment env)
    {
        var root = new RootCommand("latchkey: access tokens and kubeconfigs for your Kubernetes clusters.")
        {
            LoginCommand.Build(console, env),
            LogoutCommand.Build(console, env),
            WhoamiCommand.Build(console, env),
            AccessCommand.Build(console, env),
            TokensCommand.Build(console, env),
            ClustersCommand.Build(console, env),
            UsersCommand.Build(console, env),
            GroupsCommand.Build(console, env),
            PoliciesCommand.Build(console, env),
            VpcsCommand.Build(console, env),
            KubeconfigCommand.Build(console, env),
            CredentialCommand.Build(console, env),
            ScanCommand.Build(console, env),
            CompletionCommand.Build(console),
        };
        HelpExamples.Install(root);
        return root.WithExamples(
            "latchkey login --server https://latchkey.example.com",
            "latchkey kubeconfig get prod-1 --exec",
            "latchkey tokens create --name ci-deploy --expires 90d",
            "latchkey kubeconfig check");
    }

    /// <summary>Runs a command line. <paramref name="handleTermination"/> installs Ctrl+C handling (the process does; tests do not).</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CliEnvironment env, bool handleTermination = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(env);
        var parse = Build(console, env).Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                console.Error.WriteLine($"error: {error.Message}");
            }

            console.Error.WriteLine($"Run '{CommandPath(parse.CommandResult)} --help' for usage and examples.");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = handleTermination ? TimeSpan.FromSeconds(2) : null,
            }, cancellationToken);
        }
        catch (UsageException e)
        {
            console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is CliException or KubeconfigException)
        {
            console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Error;
        }
        catch (OperationCanceledException)
        {
            console.Error.WriteLine("Cancelled.");
            return ExitCodes.Error;
        }
        catch (Exception e) when (env["LATCHKEY_DEBUG"] is null)
        {
            // A stack trace helps nobody who runs the command; LATCHKEY_DEBUG=1 shows it.
            console.Error.WriteLine($"error: {e.Message} (LATCHKEY_DEBUG=1 shows details)");
            return ExitCodes.Error;
        }
    }

    private static string CommandPath(CommandResult result) =>
        result.Parent is CommandResult parent ? $"{CommandPath(parent)} {result.Command.Name}" : "latchkey";
}
