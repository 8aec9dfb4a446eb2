using System.Text.RegularExpressions;
using Latchkey.Core.Tokens;

namespace Latchkey.Core.Tests;

public class TokenFormatTests
{
    [Fact]
    public void Generated_tokens_are_well_formed_and_distinct()
    {
        var tokens = Enumerable.Range(0, 1000).Select(_ => TokenFormat.Generate()).ToList();

        Assert.All(tokens, t =>
        {
            Assert.StartsWith("lk_", t, StringComparison.Ordinal);
            Assert.Equal(TokenFormat.Length, t.Length);
            Assert.True(TokenFormat.IsWellFormed(t), t);
            Assert.Matches(TokenFormat.ScannerPattern, t);
        });
        Assert.Equal(tokens.Count, tokens.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Random_part_carries_at_least_160_bits()
    {
        Assert.True(TokenFormat.RandomLength * Math.Log2(62) >= 160);
    }

    [Fact]
    public void Random_part_uses_the_whole_base62_alphabet()
    {
        var seen = new HashSet<char>();
        for (var i = 0; i < 200; i++)
        {
            seen.UnionWith(TokenFormat.Generate().AsSpan(3, TokenFormat.RandomLength).ToArray());
        }

        Assert.Equal(62, seen.Count);
    }

    [Fact]
    public void Changing_any_single_character_breaks_the_checksum()
    {
        var token = TokenFormat.Generate();
        for (var i = 3; i < token.Length; i++)
        {
            var chars = token.ToCharArray();
            chars[i] = chars[i] == 'a' ? 'b' : 'a';
            Assert.False(TokenFormat.IsWellFormed(new string(chars)), $"position {i}");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("lk_")]
    [InlineData("lk_short")]
    [InlineData("gh_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij")]
    [InlineData("LK_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij")]
    [InlineData("lk_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef-hij")]
    [InlineData("lk_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijk")]
    public void Garbage_is_not_well_formed(string text)
    {
        Assert.False(TokenFormat.IsWellFormed(text));
    }

    [Fact]
    public void Scanner_pattern_finds_a_token_inside_text_and_not_a_longer_run()
    {
        var token = TokenFormat.Generate();
        Assert.Matches(TokenFormat.ScannerPattern, $"export TOKEN=\"{token}\"\n");
        Assert.DoesNotMatch(TokenFormat.ScannerPattern, token + "x");
        Assert.Single(Regex.Matches($"{token} and {token[..^1]}", TokenFormat.ScannerPattern));
    }
}
