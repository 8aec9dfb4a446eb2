using System.CommandLine;
using Latchkey.Cli.Output;

namespace Latchkey.Cli.Commands;

/// <summary>
/// Shell completion scripts. Each asks <c>latchkey</c> itself for the candidates (System.CommandLine's
/// <c>[suggest]</c> directive), so completions always match the commands and options of the installed version.
/// </summary>
internal static class CompletionCommand
{
    private const string Bash = """
        # latchkey completion for bash: source <(latchkey completion bash)
        _latchkey_complete() {
            local IFS=$'\n'
            COMPREPLY=($(latchkey "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null))
        }
        complete -o default -F _latchkey_complete latchkey

        """;

    private const string Zsh = """
        #compdef latchkey
        # latchkey completion for zsh: source <(latchkey completion zsh)
        _latchkey() {
            local -a candidates
            candidates=("${(@f)$(latchkey "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)}")
            compadd -- ${candidates:#}
        }
        compdef _latchkey latchkey

        """;

    private const string Fish = """
        # latchkey completion for fish: latchkey completion fish | source
        complete -c latchkey -f -a '(latchkey "[suggest:"(string length -- (commandline -cp))"]" (commandline -cp) 2>/dev/null)'

        """;

    public static Command Build(CliConsole console)
    {
        var shell = new Argument<string>("shell") { Description = "bash, zsh or fish." };
        shell.AcceptOnlyFromAmong("bash", "zsh", "fish");
        var command = new Command("completion", "Print a shell completion script.") { shell };
        command.SetAction(parse =>
        {
            console.Out.Write(Script(parse.GetValue(shell)!));
            return ExitCodes.Ok;
        });
        return command.WithExamples(
            "source <(latchkey completion bash)        # in ~/.bashrc",
            "source <(latchkey completion zsh)         # in ~/.zshrc",
            "latchkey completion fish > ~/.config/fish/completions/latchkey.fish");
    }

    public static string Script(string shell) => shell switch
    {
        "bash" => Bash,
        "zsh" => Zsh,
        _ => Fish,
    };
}
