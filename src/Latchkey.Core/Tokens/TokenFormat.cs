using System.IO.Hashing;
using System.Security.Cryptography;

namespace Latchkey.Core.Tokens;

/// <summary>
/// The text of a Latchkey token: <c>lk_</c>, 30 random base62 characters (178 bits from the
/// CSPRNG) and 6 base62 characters of CRC32 over everything before them. The checksum lets
/// scanners find leaked tokens without false positives and lets the server reject garbage
/// without a store query. It is not a security boundary: the random part is.
/// </summary>
public static class TokenFormat
{
    public const string Prefix = "lk_";
    public const int RandomLength = 30;
    public const int ChecksumLength = 6;
    public const int Length = 3 + RandomLength + ChecksumLength;

    /// <summary>For secret scanners (gitleaks and the like): a whole token and nothing around it.</summary>
    public const string ScannerPattern = @"\blk_[0-9A-Za-z]{36}\b";

    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Generate()
    {
        Span<char> text = stackalloc char[Length];
        Prefix.CopyTo(text);
        RandomNumberGenerator.GetItems(Alphabet, text.Slice(Prefix.Length, RandomLength));
        WriteChecksum(text[..^ChecksumLength], text[^ChecksumLength..]);
        return new string(text);
    }

    /// <summary>True when the text has the prefix, the length, only base62 characters and a matching checksum.</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> text)
    {
        if (text.Length != Length || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in text[Prefix.Length..])
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        Span<char> expected = stackalloc char[ChecksumLength];
        WriteChecksum(text[..^ChecksumLength], expected);
        return expected.SequenceEqual(text[^ChecksumLength..]);
    }

    private static void WriteChecksum(ReadOnlySpan<char> body, Span<char> destination)
    {
        Span<byte> ascii = stackalloc byte[body.Length];
        for (var i = 0; i < body.Length; i++)
        {
            ascii[i] = (byte)body[i];
        }

        var crc = Crc32.HashToUInt32(ascii);
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = Alphabet[(int)(crc % 62)];
            crc /= 62;
        }
    }
}
