using System.Text.Json.Nodes;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>Golden files under Assets/: placeholders like {{TOKEN}} filled in, JSON compared by value.</summary>
public static class Golden
{
    public static string Read(string relativePath, IReadOnlyDictionary<string, string>? values = null)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, relativePath));
        foreach (var (key, value) in values ?? new Dictionary<string, string>())
        {
            text = text.Replace("{{" + key + "}}", value, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("{{", text, StringComparison.Ordinal);
        return text;
    }

    public static void AssertSameJson(string expected, string actual)
    {
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected\n{expected}\nbut got\n{actual}");
    }
}
