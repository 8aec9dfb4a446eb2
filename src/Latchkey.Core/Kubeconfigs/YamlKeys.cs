using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Latchkey.Core.Kubeconfigs;

/// <summary>
/// The keys of every mapping in a kubeconfig are strings, each at most once per mapping, checked
/// on the parser's events (see <see cref="YamlLimits"/>). kubectl reads a kubeconfig into Go
/// structs whose fields are named by strings: a list, a mapping or a null as a key names no
/// field, and a key given twice (even spelt two ways, such as <c>a</c> and <c>!!str a</c>) would
/// mean one entry to kubectl and another to a merge, which compares entries key by key.
/// </summary>
internal sealed class YamlKeys(string source)
{
    private static readonly TagName NullTag = new("tag:yaml.org,2002:null");
    private readonly Stack<Level> levels = new();

    public void Open(bool isMapping) => levels.Push(new Level(isMapping ? new HashSet<string>(StringComparer.Ordinal) : null));

    public void Close() => levels.Pop();

    /// <summary>A node of the document, in order; <paramref name="scalar"/> is the scalar it is or its alias names, null for a list or a mapping.</summary>
    public void Node(ParsingEvent node, Scalar? scalar)
    {
        if (!levels.TryPeek(out var level) || level.Keys is null)
        {
            return;
        }

        if (level.ExpectsValue)
        {
            level.ExpectsValue = false;
            return;
        }

        level.ExpectsValue = true;

        var at = $"line {node.Start.Line}, column {node.Start.Column}";
        if (scalar is null)
        {
            throw new KubeconfigException($"{source} is not a valid kubeconfig: the mapping key at {at} is a list or a mapping; a key is a plain string.");
        }

        if (IsNull(scalar))
        {
            throw new KubeconfigException($"{source} is not a valid kubeconfig: it has an empty mapping key or a null one ({at}).");
        }

        if (!level.Keys.Add(scalar.Value))
        {
            var key = scalar.Value.Length <= 64 && !scalar.Value.Any(char.IsControl) ? $" '{scalar.Value}'" : "";
            throw new KubeconfigException($"{source} is not a valid kubeconfig: a mapping has the key{key} twice (the second at {at}).");
        }
    }

    private static bool IsNull(Scalar key) =>
        key.Tag.Equals(NullTag) || key.Tag.IsEmpty && key.Style == ScalarStyle.Plain && YamlNodes.IsNull(key.Value);

    /// <summary>A list (no keys) or a mapping, whose next node is a key until one is read, then its value.</summary>
    private sealed class Level(HashSet<string>? keys)
    {
        public HashSet<string>? Keys { get; } = keys;

        public bool ExpectsValue { get; set; }
    }
}
