using System.Text.RegularExpressions;
using Latchkey.Core.Tokens;

namespace Latchkey.Cli.Scanning;

/// <summary>One token found: where, and (for history) in which commit. <see cref="Token"/> is the secret: it is sent to the server with --revoke and never printed.</summary>
internal sealed record Finding(string Path, int Line, string? Commit, string Token)
{
    public string Fingerprint => TokenFinder.Fingerprint(Token);
}

/// <summary>
/// Finds Latchkey tokens in text: the published pattern, then the checksum, so random strings of
/// the right shape and tokens with a character changed are not reported.
/// </summary>
internal static partial class TokenFinder
{
    public static IEnumerable<string> Find(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!line.Contains(TokenFormat.Prefix, StringComparison.Ordinal))
        {
            yield break;
        }

        foreach (Match match in Candidate().Matches(line))
        {
            if (TokenFormat.IsWellFormed(match.ValueSpan))
            {
                yield return match.Value;
            }
        }
    }

    /// <summary>
    /// Enough to tell tokens apart and to find one again (<c>lk_</c>, 3 characters, the checksum),
    /// far too little to use: 172 random bits stay hidden. The public id cannot be worked out offline.
    /// </summary>
    public static string Fingerprint(string token) => $"{token[..(TokenFormat.Prefix.Length + 3)]}...{token[^TokenFormat.ChecksumLength..]}";

    [GeneratedRegex(TokenFormat.ScannerPattern)]
    private static partial Regex Candidate();
}
