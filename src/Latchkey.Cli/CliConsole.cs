namespace Latchkey.Cli;

/// <summary>Where a command reads and writes. Tests give it string writers; the process gives it the terminal.</summary>
internal sealed class CliConsole(TextWriter output, TextWriter error, TextReader input, bool interactive, Func<string, string?>? readSecret = null)
{
    public TextWriter Out { get; } = output;
    public TextWriter Error { get; } = error;
    public TextReader In { get; } = input;

    /// <summary>True when a person can answer questions (standard input is a terminal).</summary>
    public bool Interactive { get; } = interactive;

    public static CliConsole FromProcess() => new(Console.Out, Console.Error, Console.In, !Console.IsInputRedirected, ReadHidden);

    /// <summary>Asks for a secret without echoing it; null where nobody can answer.</summary>
    public string? AskSecret(string prompt) => Interactive && readSecret is not null ? readSecret(prompt) : null;

    public string? Ask(string prompt)
    {
        if (!Interactive)
        {
            return null;
        }

        Error.Write(prompt);
        return In.ReadLine()?.Trim();
    }

    /// <summary>True when the person answers yes. Without a terminal it is a usage error naming <c>--yes</c>: a script must say so itself.</summary>
    public bool Confirm(string question, string action)
    {
        var answer = Ask($"{question} [y/N] ")
            ?? throw new UsageException($"There is no terminal to confirm on: add --yes to {action} without asking.");
        return answer is "y" or "Y" or "yes";
    }

    private static string? ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }
}

/// <summary>What a command may learn about its surroundings: environment variables, the home folder, the clock.</summary>
internal sealed class CliEnvironment(Func<string, string?> variable, string home, TimeProvider time)
{
    public string Home { get; } = home;
    public TimeProvider Time { get; } = time;

    public static CliEnvironment FromProcess() =>
        new(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), TimeProvider.System);

    public string? this[string name] => variable(name) is { Length: > 0 } value ? value : null;

    /// <summary>~/.config/latchkey, or $XDG_CONFIG_HOME/latchkey.</summary>
    public string ConfigFolder => Path.Combine(this["XDG_CONFIG_HOME"] ?? Path.Combine(Home, ".config"), "latchkey");

    /// <summary>~/.cache/latchkey, or $XDG_CACHE_HOME/latchkey.</summary>
    public string CacheFolder => Path.Combine(this["XDG_CACHE_HOME"] ?? Path.Combine(Home, ".cache"), "latchkey");
}
