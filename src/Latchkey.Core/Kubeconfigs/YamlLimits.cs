using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Latchkey.Core.Kubeconfigs;

/// <summary>
/// Bounds on kubeconfig YAML, checked on the parser's events before any node tree is built. The
/// tree builder and every walk over a tree recurse, so deep nesting would overflow the stack; an
/// alias is a reference that writing and comparing expand, so ten aliases of ten aliases of ...
/// (the "billion laughs") would fill memory; an alias inside the node it names is a cycle. Real
/// kubeconfigs are a few levels deep and use few aliases, if any.
/// </summary>
internal static class YamlLimits
{
    public const int MaxLength = 4 * 1024 * 1024;
    public const int MaxDepth = 64;

    /// <summary>The size of the document with every alias expanded, a scalar weighing its length: about what writing it out takes.</summary>
    public const long MaxExpandedSize = MaxLength;

    /// <summary>Text about to be written: what could not be read back is not written (expansion and quoting can make it longer than what was read).</summary>
    public static string CheckWritten(string text) => text.Length <= MaxLength ? text
        : throw new KubeconfigException($"The kubeconfig would be {text.Length} characters long written out, over the {MaxLength / (1024 * 1024)} MiB a kubeconfig may be. Nothing was written.");

    /// <summary>Throws <see cref="KubeconfigException"/> past a bound, and YamlDotNet's exceptions for text that is not YAML.</summary>
    public static void Check(string text, string source)
    {
        if (text.Length > MaxLength)
        {
            throw new KubeconfigException($"{source} is {text.Length} characters long; a kubeconfig is at most {MaxLength / (1024 * 1024)} MiB.");
        }

        var parser = new Parser(new StringReader(text));
        var finished = new Dictionary<AnchorName, long>();
        var open = new Stack<(AnchorName Anchor, long Start)>();
        long size = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case AnchorAlias alias when finished.TryGetValue(alias.Value, out var expanded):
                    size += expanded;
                    break;
                case AnchorAlias alias:
                    throw new KubeconfigException($"{source} is not a valid kubeconfig: the alias *{alias.Value} names no anchor before it, or the node it is in.");
                case Scalar scalar:
                    size += 1 + scalar.Value.Length;
                    if (!scalar.Anchor.IsEmpty)
                    {
                        finished[scalar.Anchor] = 1 + scalar.Value.Length;
                    }

                    break;
                case NodeEvent collection and (SequenceStart or MappingStart):
                    if (open.Count == MaxDepth)
                    {
                        throw new KubeconfigException($"{source} is not a valid kubeconfig: it nests lists and mappings more than {MaxDepth} levels deep.");
                    }

                    // Until its end, an alias of this anchor would be a cycle.
                    finished.Remove(collection.Anchor);
                    open.Push((collection.Anchor, size));
                    size++;
                    break;
                case SequenceEnd or MappingEnd:
                    var (anchor, start) = open.Pop();
                    if (!anchor.IsEmpty)
                    {
                        finished[anchor] = size - start;
                    }

                    break;
            }

            if (size > MaxExpandedSize)
            {
                throw new KubeconfigException(
                    $"{source} is not a valid kubeconfig: with its aliases expanded it is over {MaxExpandedSize / (1024 * 1024)} MiB.");
            }
        }
    }
}
