using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace Latchkey.Cli.Output;

/// <summary>Examples at the end of every command's <c>--help</c>: most people read those first.</summary>
internal static class HelpExamples
{
    private static readonly ConditionalWeakTable<Command, string[]> Examples = [];

    public static T WithExamples<T>(this T command, params string[] examples) where T : Command
    {
        Examples.AddOrUpdate(command, examples);
        return command;
    }

    /// <summary>Wraps the help option of <paramref name="root"/> (shared by every subcommand) so that it prints the examples too.</summary>
    public static void Install(RootCommand root)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new WithExamplesAction((HelpAction)help.Action!);
    }

    private sealed class WithExamplesAction(HelpAction inner) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var result = inner.Invoke(parseResult);
            if (Examples.TryGetValue(parseResult.CommandResult.Command, out var examples))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var example in examples)
                {
                    output.WriteLine($"  {example}");
                }

                output.WriteLine();
            }

            return result;
        }
    }
}
