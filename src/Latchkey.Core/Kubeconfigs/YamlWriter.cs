using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Latchkey.Core.Kubeconfigs;

/// <summary>
/// Writes a YAML tree as text that reads back as the same tree. A node keeps the style it was read
/// in unless YamlDotNet would read that style back as another value: block scalars it cannot keep
/// are double-quoted up front, and since its scanner misreads some plain scalars in some places
/// (<c>a *b</c> as a key reads as one string with the colon in it), every text is read back; a
/// scalar that comes back otherwise is double-quoted and the tree written again.
/// </summary>
internal static class YamlWriter
{
    /// <summary>Rewrites before giving up: each one quotes one more scalar, and real kubeconfigs need none.</summary>
    private const int MaxRewrites = 8;

    public static string Write(YamlNode root)
    {
        var quoted = new HashSet<YamlScalarNode>(ReferenceEqualityComparer.Instance);
        for (var rewrite = 0; ; rewrite++)
        {
            var written = new List<(ParsingEvent Event, YamlScalarNode? Scalar)>();
            var text = Emit(root, quoted, written);
            var misread = FirstMisread(text, written);
            if (misread < 0)
            {
                return text;
            }

            // A list or mapping that reads back as something else lost its first scalar to the text
            // around it; otherwise the scalar misread is the one at or before the first event that differs.
            var before = written.Take(misread + 1).Select(w => w.Scalar).LastOrDefault(s => s is not null && !quoted.Contains(s));
            var after = written.Skip(misread).Select(w => w.Scalar).FirstOrDefault(s => s is not null && !quoted.Contains(s));
            var culprit = written[misread].Event is MappingStart or SequenceStart ? after ?? before : before ?? after;
            if (culprit is null || rewrite == MaxRewrites)
            {
                throw new KubeconfigException("The kubeconfig cannot be written so that it reads back the same (the YAML writer misreads its own text). Nothing was written.");
            }

            quoted.Add(culprit);
        }
    }

    private static string Emit(YamlNode root, HashSet<YamlScalarNode> quoted, List<(ParsingEvent Event, YamlScalarNode? Scalar)> written)
    {
        using var text = new StringWriter();
        var emitter = new Emitter(text, 2, int.MaxValue);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        Emit(root);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();

        void Put(ParsingEvent e, YamlScalarNode? scalar = null)
        {
            emitter.Emit(e);
            written.Add((e, scalar));
        }

        void Emit(YamlNode node)
        {
            var tagged = !node.Tag.IsEmpty;
            switch (node)
            {
                case YamlScalarNode scalar:
                    var value = scalar.Value ?? "";
                    var style = quoted.Contains(scalar) ? ScalarStyle.DoubleQuoted : WrittenStyle(scalar.Style, value);
                    Put(new Scalar(AnchorName.Empty, node.Tag, value, style, !tagged, !tagged), scalar);
                    break;
                case YamlSequenceNode sequence:
                    Put(new SequenceStart(AnchorName.Empty, node.Tag, !tagged, sequence.Style));
                    foreach (var child in sequence.Children)
                    {
                        Emit(child);
                    }

                    Put(new SequenceEnd());
                    break;
                case YamlMappingNode mapping:
                    Put(new MappingStart(AnchorName.Empty, node.Tag, !tagged, mapping.Style));
                    foreach (var (key, child) in mapping.Children)
                    {
                        Emit(key);
                        Emit(child);
                    }

                    Put(new MappingEnd());
                    break;
                default:
                    throw new KubeconfigException($"Unexpected YAML node {node.NodeType}.");
            }
        }
    }

    /// <summary>The index of the first written event that reads back otherwise (a scalar by its value), or -1.</summary>
    private static int FirstMisread(string text, List<(ParsingEvent Event, YamlScalarNode? Scalar)> written)
    {
        var parser = new Parser(new StringReader(text));
        var index = 0;
        try
        {
            while (parser.MoveNext())
            {
                if (parser.Current is StreamStart or StreamEnd or DocumentStart or DocumentEnd)
                {
                    continue;
                }

                var same = index < written.Count && (written[index].Event, parser.Current) switch
                {
                    (Scalar a, Scalar b) => a.Value == b.Value,
                    (var a, var b) => a.GetType() == b?.GetType(),
                };
                if (!same)
                {
                    return index;
                }

                index++;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Math.Min(index, written.Count - 1);
        }

        return index == written.Count ? -1 : index;
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
}
