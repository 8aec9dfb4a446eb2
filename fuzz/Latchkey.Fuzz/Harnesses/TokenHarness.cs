using System.Text;
using System.Text.RegularExpressions;
using Latchkey.Core.Tokens;

namespace Latchkey.Fuzz;

/// <summary>
/// The token format never throws: any text is well formed or not. A well-formed text is exactly
/// what secret scanners match, and any other character in its checksum makes it malformed.
/// </summary>
internal static class TokenHarness
{
    private static readonly Regex Scanner = new($"^{TokenFormat.ScannerPattern}$", RegexOptions.CultureInvariant);

    public static void Run(byte[] input)
    {
        Check(Encoding.UTF8.GetString(input));
        Check(Encoding.Latin1.GetString(input));
        // The input as the random part of a token with the prefix, so that the checksum is what decides.
        var body = new string([.. input.Select(b => (char)(b % 62 switch { < 10 and var d => '0' + d, < 36 and var u => 'A' + u - 10, var l => 'a' + l - 36 }))]);
        Check(TokenFormat.Prefix + body);
    }

    private static void Check(string text)
    {
        if (!TokenFormat.IsWellFormed(text))
        {
            return;
        }

        FuzzPropertyException.Check(text.Length == TokenFormat.Length && Scanner.IsMatch(text), $"well formed but not what scanners find: {text}");
        var last = text[^1] == '0' ? '1' : '0';
        FuzzPropertyException.Check(!TokenFormat.IsWellFormed(string.Concat(text.AsSpan(0, text.Length - 1), [last])), "another checksum character is well formed too");
    }
}
