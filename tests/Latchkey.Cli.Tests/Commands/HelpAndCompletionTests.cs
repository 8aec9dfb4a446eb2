using System.CommandLine;
using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Commands;

public class HelpAndCompletionTests
{
    public static TheoryData<string> EveryCommand()
    {
        var data = new TheoryData<string>();
        using var none = new StringWriter();
        var root = Cli.Build(new CliConsole(none, none, TextReader.Null, interactive: false), new CliHarness().Environment);
        foreach (var path in Paths(root, ""))
        {
            data.Add(path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task Every_command_has_help_with_examples(string path)
    {
        using var cli = new CliHarness();

        var result = await cli.RunAsync([.. path.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Usage:", result.Out, StringComparison.Ordinal);
        var start = result.Out.IndexOf("Examples:\n  ", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no examples in:\n{result.Out}");
        Assert.Contains("latchkey", result.Out[start..], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bash", "complete -o default -F _latchkey_complete latchkey")]
    [InlineData("zsh", "compdef _latchkey latchkey")]
    [InlineData("fish", "complete -c latchkey")]
    public async Task Completion_prints_a_script_that_asks_latchkey_for_candidates(string shell, string line)
    {
        using var cli = new CliHarness();

        var result = await cli.RunAsync("completion", shell);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(line, result.Out, StringComparison.Ordinal);
        Assert.Contains("[suggest:", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_suggest_directive_the_scripts_use_completes_commands_and_options()
    {
        using var cli = new CliHarness();

        var commands = await cli.RunAsync("[suggest:12]", "latchkey kub");
        var options = await cli.RunAsync("[suggest:26]", "latchkey kubeconfig get --");

        Assert.Equal("kubeconfig\n", commands.Out);
        Assert.Contains("--exec\n", options.Out, StringComparison.Ordinal);
        Assert.Contains("--set-current-context\n", options.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_suggest_directive_completes_the_iam_commands()
    {
        using var cli = new CliHarness();

        var noun = await cli.RunAsync("[suggest:11]", "latchkey po");
        var verbs = await cli.RunAsync("[suggest:16]", "latchkey groups ");
        var options = await cli.RunAsync("[suggest:26]", "latchkey policies grant --");

        Assert.Equal("policies\n", noun.Out);
        Assert.Contains("add-member\n", verbs.Out, StringComparison.Ordinal);
        Assert.Contains("remove-member\n", verbs.Out, StringComparison.Ordinal);
        Assert.Contains("--role\n", options.Out, StringComparison.Ordinal);
        Assert.Contains("--vpc\n", options.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completion_works_in_bash_through_the_real_executable()
    {
        var bash = Requires.Program("bash");
        using var cli = new CliHarness();
        var script = """
            source <(latchkey completion bash)
            COMP_LINE='latchkey tokens cr'; COMP_POINT=${#COMP_LINE}; _latchkey_complete; echo "${COMPREPLY[@]}"
            """;

        var result = await CliProcess.RunAsync(bash, ["-c", script], CliProcess.Environment(cli.Home));

        Assert.Equal("create\n", result.Out);
    }

    private static IEnumerable<string> Paths(Command command, string prefix)
    {
        yield return prefix;
        foreach (var sub in command.Subcommands)
        {
            foreach (var path in Paths(sub, $"{prefix} {sub.Name}".Trim()))
            {
                yield return path;
            }
        }
    }
}
