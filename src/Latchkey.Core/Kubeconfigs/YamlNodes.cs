using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
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

    public static string Write(YamlNode root)
    {
        using var text = new StringWriter();
        var emitter = new Emitter(text, 2, int.MaxValue);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        Emit(emitter, root);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void Emit(Emitter emitter, YamlNode node)
    {
        var tagged = !node.Tag.IsEmpty;
        switch (node)
        {
            case YamlScalarNode scalar:
                var text = scalar.Value ?? "";
                emitter.Emit(new Scalar(AnchorName.Empty, node.Tag, text, WrittenStyle(scalar.Style, text), !tagged, !tagged));
                break;
            case YamlSequenceNode sequence:
                emitter.Emit(new SequenceStart(AnchorName.Empty, node.Tag, !tagged, sequence.Style));
                foreach (var child in sequence.Children)
                {
                    Emit(emitter, child);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case YamlMappingNode mapping:
                emitter.Emit(new MappingStart(AnchorName.Empty, node.Tag, !tagged, mapping.Style));
                foreach (var (key, value) in mapping.Children)
                {
                    Emit(emitter, key);
                    Emit(emitter, value);
                }

                emitter.Emit(new MappingEnd());
                break;
            default:
                throw new KubeconfigException($"Unexpected YAML node {node.NodeType}.");
        }
    }

    /// <summary>The style a scalar is written in: its own, unless the text would then read back as another value.</summary>
    private static ScalarStyle WrittenStyle(ScalarStyle style, string value) => style switch
    {
        ScalarStyle.Literal or ScalarStyle.Folded when !BlockReadsBack(value) => ScalarStyle.DoubleQuoted,

        // YamlDotNet reads a plain ":x" right after a flow collection ("- {a: b}" then "- :x") as "x".
        // Such a value is a string in every schema, so quoting it keeps its meaning.
        ScalarStyle.Any or ScalarStyle.Plain when value.StartsWith(':') => ScalarStyle.DoubleQuoted,
        _ => style,
    };

    /// <summary>
    /// Whether a literal or folded scalar read from a file can be written in its style and read back
    /// the same. Keep chomping (<c>|+</c>: a value that ends in blank lines, or is only line
    /// breaks), an empty value and a first line of nothing but blanks come back changed or not at
    /// all, and a reader turns every line break into "\n" and refuses control characters. Such a
    /// value is written double-quoted, which holds any string exactly.
    /// </summary>
    private static bool BlockReadsBack(string value)
    {
        var content = value.TrimEnd('\n');
        if (content.Length == 0 || value.Length - content.Length > 1)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is '\r' or '\u0085' or '\u2028' or '\u2029' or '\uFEFF' || (char.IsControl(c) && c is not ('\n' or '\t')))
            {
                return false;
            }
        }

        var end = value.IndexOf('\n');
        return end <= 0 || !value.AsSpan(0, end).Trim(" \t").IsEmpty;
    }

    private static bool NeedsQuotes(string value) =>
        !SafePlain().IsMatch(value) || KeywordLike().IsMatch(value);

    // Starts with a letter or '/', so it cannot read as a number, a date or an indicator.
    [GeneratedRegex("^[A-Za-z/][A-Za-z0-9._/:@+=~_-]*$")]
    private static partial Regex SafePlain();

    // YAML 1.1 (which Go's YAML decoder follows) reads these as booleans or null.
    [GeneratedRegex("^(y|n|yes|no|on|off|true|false|null)$", RegexOptions.IgnoreCase)]
    private static partial Regex KeywordLike();
}
