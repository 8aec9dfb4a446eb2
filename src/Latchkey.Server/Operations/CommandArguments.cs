namespace Latchkey.Server.Operations;

/// <summary>
/// The words of a maintenance command: its own options and operands, and the configuration
/// (<c>--Latchkey:DataDir=/var/lib/latchkey</c>, <c>--Latchkey:Database:Provider postgres</c>) that
/// it shares with the server and passes on to it unchanged.
/// </summary>
internal sealed class CommandArguments
{
    private readonly Dictionary<string, string?> options = new(StringComparer.Ordinal);

    private CommandArguments()
    {
    }

    public List<string> Operands { get; } = [];

    public List<string> Configuration { get; } = [];

    public bool Has(string option) => options.ContainsKey(option);

    public string? Value(string option) => options.GetValueOrDefault(option);

    /// <summary>Null and a sentence when the words do not make a command (an unknown option, a missing value).</summary>
    public static (CommandArguments? Arguments, string? Error) Parse(IReadOnlyList<string> args, string[] flags, string[] valued)
    {
        ArgumentNullException.ThrowIfNull(args);
        var parsed = new CommandArguments();
        for (var i = 0; i < args.Count; i++)
        {
            var word = args[i];
            if (!word.StartsWith("--", StringComparison.Ordinal))
            {
                parsed.Operands.Add(word);
                continue;
            }

            var equals = word.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? word : word[..equals];
            if (name.Contains(':', StringComparison.Ordinal))
            {
                // A configuration key, as the server reads it: "--Key=value" or "--Key value".
                parsed.Configuration.Add(word);
                if (equals < 0 && i + 1 < args.Count)
                {
                    parsed.Configuration.Add(args[++i]);
                }
            }
            else if (flags.Contains(name) && equals < 0)
            {
                parsed.options[name] = null;
            }
            else if (valued.Contains(name))
            {
                var value = equals >= 0 ? word[(equals + 1)..] : i + 1 < args.Count ? args[++i] : null;
                if (string.IsNullOrEmpty(value))
                {
                    return (null, $"{name} needs a value.");
                }

                parsed.options[name] = value;
            }
            else
            {
                return (null, $"unknown option {word}.");
            }
        }

        return (parsed, null);
    }
}
