using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Latchkey.Core.Kubeconfigs;

/// <summary>
/// The few YAML operations a kubeconfig needs, on YamlDotNet's node model (no reflection, so it
/// works trimmed and ahead-of-time compiled). Nodes read from a file keep their style and tags;
/// nodes Latchkey makes are quoted whenever a plain scalar would read back as something other
/// than a string (kubectl decodes <c>name: 123</c> as a number and rejects the file).
/// </summary>
internal static partial class YamlNodes
{
    public static YamlScalarNode Scalar(string value) =>
        new(value) { Style = NeedsQuotes(value) ? ScalarStyle.DoubleQuoted : ScalarStyle.Plain };

    public static YamlScalarNode Boolean(bool value) => new(value ? "true" : "false") { Style = ScalarStyle.Plain };

    public static YamlMappingNode Mapping(params (string Key, YamlNode? Value)[] entries)
    {
        var mapping = new YamlMappingNode();
        foreach (var (key, value) in entries)
        {
            if (value is not null)
            {
                mapping.Add(Scalar(key), value);
            }
        }

        return mapping;
    }

    public static YamlNode? Get(YamlMappingNode mapping, string key)
    {
        foreach (var (k, v) in mapping.Children)
        {
            if (k is YamlScalarNode { Value: var name } && name == key)
            {
                return v;
            }
        }

        return null;
    }

    public static string? GetString(YamlMappingNode? mapping, string key) =>
        mapping is not null && Get(mapping, key) is YamlScalarNode { Value: var value } && !IsNull(value) ? value : null;

    public static void Set(YamlMappingNode mapping, string key, YamlNode value)
    {
        foreach (var k in mapping.Children.Keys)
        {
            if (k is YamlScalarNode { Value: var name } && name == key)
            {
                mapping.Children[k] = value;
                return;
            }
        }

        mapping.Add(Scalar(key), value);
    }

    /// <summary>Equal in meaning: same scalars (whatever their quoting), same keys in any order, same sequences in order.</summary>
    public static bool SameMeaning(YamlNode? a, YamlNode? b) => (a, b) switch
    {
        (null, null) => true,
        (YamlScalarNode x, YamlScalarNode y) => x.Value == y.Value,
        (YamlSequenceNode x, YamlSequenceNode y) => x.Children.Count == y.Children.Count
            && x.Children.Zip(y.Children).All(p => SameMeaning(p.First, p.Second)),
        (YamlMappingNode x, YamlMappingNode y) => x.Children.Count == y.Children.Count
            && x.Children.All(p => p.Key is YamlScalarNode { Value: { } key } && SameMeaning(p.Value, Get(y, key))),
        _ => false,
    };

    public static bool IsNull(string? value) => value is null or "~" or "null" or "Null" or "NULL" || value.Length == 0;

    /// <summary>The text of a tree, which reads back as the same tree (see <see cref="YamlWriter"/>).</summary>
    public static string Write(YamlNode root) => YamlWriter.Write(root);

    private static bool NeedsQuotes(string value) =>
        !SafePlain().IsMatch(value) || KeywordLike().IsMatch(value);

    // Starts with a letter or '/', so it cannot read as a number, a date or an indicator.
    [GeneratedRegex("^[A-Za-z/][A-Za-z0-9._/:@+=~_-]*$")]
    private static partial Regex SafePlain();

    // YAML 1.1 (which Go's YAML decoder follows) reads these as booleans or null.
    [GeneratedRegex("^(y|n|yes|no|on|off|true|false|null)$", RegexOptions.IgnoreCase)]
    private static partial Regex KeywordLike();
}
