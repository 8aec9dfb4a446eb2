using System.CommandLine;
using Latchkey.Cli.Output;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey kubeconfig</c>: the group, and the option its subcommands share.</summary>
internal static class KubeconfigCommand
{
    public static Command Build(CliConsole console, CliEnvironment env) =>
        new Command("kubeconfig", "Write, list, remove and check kubeconfig entries for your clusters.")
        {
            KubeconfigGetCommand.Build(console, env),
            KubeconfigListCommand.Build(console, env),
            KubeconfigRemoveCommand.Build(console, env),
            KubeconfigCheckCommand.Build(console, env),
        }.WithExamples(
            "latchkey kubeconfig get prod-1 --exec",
            "latchkey kubeconfig list",
            "latchkey kubeconfig check");

    public static Option<string?> FileOption() =>
        new("--kubeconfig") { Description = "The kubeconfig file (default: the first file of KUBECONFIG, else ~/.kube/config).", HelpName = "path" };
}
