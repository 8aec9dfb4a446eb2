using System.Buffers;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Latchkey.Core.Kubeconfigs;

/// <summary>
/// Bounds on kubeconfig YAML, checked on the parser's events before any node tree is built. The
/// tree builder and every walk over a tree recurse, so deep nesting would overflow the stack; an
/// alias is a reference that writing and comparing expand, so ten aliases of ten aliases of ...
/// (the "billion laughs") would fill memory; an alias inside the node it names is a cycle. Real
/// kubeconfigs are a few levels deep and use few aliases, if any. Mapping keys follow
/// <see cref="YamlKeys"/>.
/// </summary>
internal static class YamlLimits
{
    public const int MaxLength = 4 * 1024 * 1024;
    public const int MaxDepth = 64;

    private static readonly SearchValues<char> LineBreaks = SearchValues.Create("\n\r\u0085\u2028\u2029");

    private static readonly HashSet<string> OwnTags = new(StringComparer.Ordinal)
    {
        "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:binary", "tag:yaml.org,2002:timestamp",
    };

    /// <summary>The size of the document with every alias expanded, a scalar weighing its length: about what writing it out takes.</summary>
    public const long MaxExpandedSize = MaxLength;

    /// <summary>
    /// The size all aliases stand for together. Aliases in a kubeconfig share a few small blocks (an
    /// exec stanza, a CA); megabytes of repeats are a file built to be expanded, and each write and
    /// merge of it would take seconds.
    /// </summary>
    public const long MaxAliased = 256 * 1024;

    /// <summary>Text about to be written: what could not be read back is not written (expansion and quoting can make it longer than what was read).</summary>
    public static string CheckWritten(string text) => text.Length <= MaxLength ? text
        : throw new KubeconfigException($"The kubeconfig would be {text.Length} characters long written out, over the {MaxLength / (1024 * 1024)} MiB a kubeconfig may be. Nothing was written.");

    /// <summary>
    /// The text to hand to YamlDotNet. Its scanner loops forever on a directive line (<c>%x ...</c>)
    /// that the end of the text cuts off at a multiple of its 1024-character buffer; ending that
    /// line with a line break changes nothing else.
    /// </summary>
    public static string EndDirectiveLine(string text)
    {
        var lastLine = text.AsSpan(text.AsSpan().LastIndexOfAny(LineBreaks) + 1).TrimStart('\uFEFF');
        return lastLine.StartsWith('%') ? text + "\n" : text;
    }

    /// <summary>Throws <see cref="KubeconfigException"/> past a bound, and YamlDotNet's <see cref="YamlException"/> (which has a position) for text that is not YAML.</summary>
    public static void Check(string text, string source)
    {
        if (text.Length > MaxLength)
        {
            throw new KubeconfigException($"{source} is {text.Length} characters long; a kubeconfig is at most {MaxLength / (1024 * 1024)} MiB.");
        }

        var parser = new Parser(new StringReader(text));
        var keys = new YamlKeys(source);
        var finished = new Dictionary<AnchorName, Named>();
        var open = new Stack<Open>();
        long size = 0;
        long aliased = 0;
        while (Next(parser, source))
        {
            var current = parser.Current!;
            switch (current)
            {
                case AnchorAlias alias when finished.TryGetValue(alias.Value, out var named):
                    Nest(open, named.Height, source, alias: true);
                    keys.Node(current, named.Scalar);
                    size += named.Size;
                    aliased += named.Size;
                    break;
                case AnchorAlias alias:
                    throw new KubeconfigException($"{source} is not a valid kubeconfig: the alias *{alias.Value} names no anchor before it, or the node it is in.");
                case Scalar scalar:
                    CheckTag(scalar, source);
                    keys.Node(scalar, scalar);
                    size += 1 + scalar.Value.Length;
                    if (!scalar.Anchor.IsEmpty)
                    {
                        finished[scalar.Anchor] = new Named(1 + scalar.Value.Length, 0, scalar);
                    }

                    break;
                case NodeEvent collection and (SequenceStart or MappingStart):
                    Nest(open, 1, source, alias: false);
                    CheckTag(collection, source);
                    keys.Node(collection, null);
                    keys.Open(collection is MappingStart);

                    // Until its end, an alias of this anchor would be a cycle.
                    finished.Remove(collection.Anchor);
                    open.Push(new Open(collection.Anchor, size));
                    size++;
                    break;
                case SequenceEnd or MappingEnd:
                    keys.Close();
                    var ended = open.Pop();
                    Nest(open, ended.Height, source, alias: false);
                    if (!ended.Anchor.IsEmpty)
                    {
                        finished[ended.Anchor] = new Named(size - ended.Start, ended.Height, null);
                    }

                    break;
            }

            if (size > MaxExpandedSize || aliased > MaxAliased)
            {
                throw new KubeconfigException(size > MaxExpandedSize
                    ? $"{source} is not a valid kubeconfig: with its aliases expanded it is over {MaxExpandedSize / (1024 * 1024)} MiB."
                    : $"{source} is not a valid kubeconfig: its aliases stand for over {MaxAliased / 1024} KiB of YAML when expanded.");
            }
        }
    }

    /// <summary>
    /// A node <paramref name="height"/> levels high (0 for a scalar) in the collections open now. An
    /// alias counts as the node it names: the writer and every walk expand it, so an alias of a
    /// deep list inside another deep list is as deep as the two together.
    /// </summary>
    private static void Nest(Stack<Open> open, int height, string source, bool alias)
    {
        if (open.Count + height > MaxDepth)
        {
            var counting = alias ? " counting the nodes its aliases stand for" : "";
            throw new KubeconfigException($"{source} is not a valid kubeconfig: it nests lists and mappings more than {MaxDepth} levels deep{counting}.");
        }

        if (open.TryPeek(out var parent))
        {
            parent.Height = Math.Max(parent.Height, height + 1);
        }
    }

    /// <summary>
    /// A node may carry no tag, the non-specific <c>!</c> or one of YAML's own types. kubectl gives
    /// other tags no meaning, and YamlDotNet does not write them back as it read them (it reads
    /// <c>!%2b</c> as <c>!+</c>, and <c>!+</c> as <c>! </c>).
    /// </summary>
    private static void CheckTag(NodeEvent node, string source)
    {
        if (!node.Tag.IsEmpty && !OwnTags.Contains(node.Tag.Value))
        {
            throw new KubeconfigException(
                $"{source} is not a valid kubeconfig: the tag at line {node.Start.Line}, column {node.Start.Column} is not one of YAML's own (such as !!str); a kubeconfig has no use for it.");
        }
    }

    /// <summary>
    /// YamlDotNet reports some malformed text with exceptions other than <see cref="YamlException"/>
    /// (an <see cref="ArgumentException"/> for a tag that is not a URI, for one). The parser is the
    /// door for untrusted text, so whatever it throws is a refusal that says about where it stopped.
    /// </summary>
    private static bool Next(Parser parser, string source)
    {
        try
        {
            return parser.MoveNext();
        }
        catch (Exception e) when (e is not (YamlException or OutOfMemoryException))
        {
            var near = parser.Current?.End ?? Mark.Empty;
            var reason = e switch
            {
                // The scanner reports some unterminated flow collections this way, with a message about its own state.
                InvalidOperationException => "an unclosed [ or {, or a stray character",
                ArgumentException { ParamName: { } name } => e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal),
                _ => e.Message,
            };
            throw new KubeconfigException($"{source} is not valid YAML (near line {near.Line}, column {near.Column}: {reason.TrimEnd('.')}).", e);
        }
    }

    /// <summary>An anchored node that has ended: what an alias of it weighs, how high it is, and the scalar it is, if it is one.</summary>
    private readonly record struct Named(long Size, int Height, Scalar? Scalar);

    /// <summary>A list or mapping being read: its anchor, the size before it, and its height so far.</summary>
    private sealed class Open(AnchorName anchor, long start)
    {
        public AnchorName Anchor { get; } = anchor;

        public long Start { get; } = start;

        public int Height { get; set; } = 1;
    }
}
