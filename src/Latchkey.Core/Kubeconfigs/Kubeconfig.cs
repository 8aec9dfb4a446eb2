using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Latchkey.Core.Kubeconfigs;

/// <summary>The three lists of a kubeconfig; each entry is <c>{name, &lt;singular&gt;: {...}}</c>.</summary>
public enum KubeconfigSection
{
    Clusters,
    Contexts,
    Users,
}

/// <summary>One named entry of a section: its name and the mapping under <c>cluster</c>, <c>context</c> or <c>user</c>.</summary>
public sealed record KubeconfigEntry(KubeconfigSection Section, string Name, YamlMappingNode Node)
{
    public YamlMappingNode? Body => YamlNodes.Get(Node, Kubeconfig.BodyKey(Section)) as YamlMappingNode;

    public string? this[string key] => YamlNodes.GetString(Body, key);
}

/// <summary>
/// A kubeconfig file (the format of <see href="https://kubernetes.io/docs/reference/config-api/kubeconfig.v1/">kubeconfig v1</see>,
/// upstream type <c>k8s.io/client-go/tools/clientcmd/api/v1.Config</c>) as a YAML tree. Every field
/// Latchkey does not know is kept as it was, so entries written by other tools keep their meaning.
/// Comments are not kept (kubectl drops them too).
/// </summary>
public sealed class Kubeconfig
{
    private readonly YamlMappingNode root;

    private Kubeconfig(YamlMappingNode root) => this.root = root;

    /// <summary>True once anything was added, removed or set.</summary>
    public bool IsChanged { get; private set; }

    public static Kubeconfig Empty() => new(YamlNodes.Mapping(
        ("apiVersion", YamlNodes.Scalar("v1")),
        ("kind", YamlNodes.Scalar("Config")),
        ("clusters", new YamlSequenceNode()),
        ("contexts", new YamlSequenceNode()),
        ("current-context", new YamlScalarNode("") { Style = ScalarStyle.DoubleQuoted }),
        ("users", new YamlSequenceNode())));

    /// <summary>Reads kubeconfig text; <paramref name="source"/> names it in error messages. Empty text is an empty kubeconfig.</summary>
    public static Kubeconfig Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = YamlLimits.EndDirectiveLine(text);
        var stream = new YamlStream();
        try
        {
            YamlLimits.Check(text, source);
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new KubeconfigException(
                $"{source} is not valid YAML (line {e.Start.Line}, column {e.Start.Column}: {e.Message.TrimEnd('.')}).", e);
        }
        catch (Exception e) when (e is not (KubeconfigException or OutOfMemoryException))
        {
            // The events passed the checks above, so this is the node builder meeting something it
            // has no node for; whatever the library throws on untrusted text is a refusal.
            throw new KubeconfigException($"{source} is not a valid kubeconfig: it has a YAML node that is not a value ({e.Message.TrimEnd('.')}).", e);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: var v } && YamlNodes.IsNull(v))
        {
            return Empty();
        }

        if (stream.Documents.Count > 1)
        {
            throw new KubeconfigException($"{source} holds {stream.Documents.Count} YAML documents; a kubeconfig is one.");
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new KubeconfigException($"{source} is not a kubeconfig: its top level is not a mapping of apiVersion, kind, clusters, contexts and users.");
        }

        var config = new Kubeconfig(root);
        if (YamlNodes.GetString(root, "kind") is { } kind && kind != "Config")
        {
            throw new KubeconfigException($"{source} is not a kubeconfig: its kind is '{kind}', not 'Config'.");
        }

        foreach (var section in Enum.GetValues<KubeconfigSection>())
        {
            config.Check(section, source);
        }

        return config;
    }

    /// <summary>The file's text; a <see cref="KubeconfigException"/> when it would be too long to read back.</summary>
    public string ToYaml() => YamlLimits.CheckWritten(YamlNodes.Write(root));

    public string? CurrentContext
    {
        get => YamlNodes.GetString(root, "current-context");
        set
        {
            YamlNodes.Set(root, "current-context", value is null ? new YamlScalarNode("") { Style = ScalarStyle.DoubleQuoted } : YamlNodes.Scalar(value));
            IsChanged = true;
        }
    }

    public IReadOnlyList<KubeconfigEntry> Entries(KubeconfigSection section) =>
        Sequence(section) is { } list ? [.. list.Children.Select(item => Describe(section, (YamlMappingNode)item))] : [];

    public KubeconfigEntry? Find(KubeconfigSection section, string name) =>
        Entries(section).FirstOrDefault(e => e.Name == name);

    /// <summary>Appends an entry. The caller makes sure the name is free (see <see cref="KubeconfigMerge"/>).</summary>
    public void Add(KubeconfigEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (Sequence(entry.Section) is not { } list)
        {
            list = new YamlSequenceNode();
            YamlNodes.Set(root, SectionKey(entry.Section), list);
        }

        list.Add(entry.Node);
        IsChanged = true;
    }

    public bool Remove(KubeconfigSection section, string name)
    {
        var list = Sequence(section);
        var item = list?.Children.FirstOrDefault(i => Describe(section, (YamlMappingNode)i).Name == name);
        if (item is null)
        {
            return false;
        }

        list!.Children.Remove(item);
        IsChanged = true;
        return true;
    }

    internal static string SectionKey(KubeconfigSection section) => section switch
    {
        KubeconfigSection.Clusters => "clusters",
        KubeconfigSection.Contexts => "contexts",
        _ => "users",
    };

    internal static string BodyKey(KubeconfigSection section) => section switch
    {
        KubeconfigSection.Clusters => "cluster",
        KubeconfigSection.Contexts => "context",
        _ => "user",
    };

    private YamlSequenceNode? Sequence(KubeconfigSection section) => YamlNodes.Get(root, SectionKey(section)) as YamlSequenceNode;

    private static KubeconfigEntry Describe(KubeconfigSection section, YamlMappingNode item) =>
        new(section, YamlNodes.GetString(item, "name") ?? "", item);

    private void Check(KubeconfigSection section, string source)
    {
        var key = SectionKey(section);
        switch (YamlNodes.Get(root, key))
        {
            case null:
                return;
            case YamlScalarNode { Value: var nothing } when YamlNodes.IsNull(nothing):
                return;
            case YamlSequenceNode list:
                var names = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < list.Children.Count; i++)
                {
                    if (list.Children[i] is not YamlMappingNode item || YamlNodes.GetString(item, "name") is not { } name)
                    {
                        throw new KubeconfigException($"{source} is not a valid kubeconfig: entry {i + 1} of '{key}' has no name.");
                    }

                    // kubectl refuses such a file too; a merge could not say which of the two an entry matches.
                    if (!names.Add(name))
                    {
                        throw new KubeconfigException($"{source} is not a valid kubeconfig: '{key}' has two entries named '{name}'.");
                    }
                }

                return;
            default:
                throw new KubeconfigException($"{source} is not a valid kubeconfig: '{key}' is not a list.");
        }
    }
}
