using System.Text;
using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;
using YamlDotNet.RepresentationModel;

namespace Latchkey.Fuzz;

/// <summary>
/// A kubeconfig file loads or is refused with a <see cref="KubeconfigException"/>. A loaded file
/// written out reads back as the same file; merged into the kubeconfigs Latchkey writes it either
/// conflicts and changes nothing, or gives a file that reads back, holds no name twice and takes
/// the same merge again without change.
/// </summary>
internal static class KubeconfigHarness
{
    /// <summary>Token-shaped, but built here so that nothing in the source reads as a live token to a secret scanner.</summary>
    private static readonly string PlaceholderToken = "lk_" + new string('0', 36);

    private static readonly ClusterInfo Cluster = new(
        "prod-1", "eu-1", "https://prod-1.k8s.eu-1.example.com", "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t", "latchkey:prod-1", "default",
        DateTimeOffset.UnixEpoch);

    public static void Run(byte[] input)
    {
        Kubeconfig incoming;
        try
        {
            incoming = Kubeconfig.Parse(Encoding.UTF8.GetString(input), "input");
        }
        catch (KubeconfigException)
        {
            return;
        }

        string written;
        try
        {
            written = incoming.ToYaml();
        }
        catch (KubeconfigException)
        {
            return;
        }

        var back = ReadBack(written);
        FuzzPropertyException.Check(back.ToYaml() == written, $"a loaded kubeconfig written out reads back as another file:\n{written}");
        FuzzPropertyException.Check(SameValues(incoming, back), $"a loaded kubeconfig written out reads back with other values:\n{written}");

        MergeInto(Kubeconfig.Empty(), incoming);
        MergeInto(KubeconfigTemplates.WithToken(Cluster, "0123456789abcdef", "ci deploy", PlaceholderToken), incoming);
        MergeInto(KubeconfigTemplates.WithExec(Cluster), incoming);
        MergeInto(ReadBack(written), incoming);
    }

    private static void MergeInto(Kubeconfig target, Kubeconfig incoming)
    {
        var before = target.ToYaml();
        try
        {
            KubeconfigMerge.Merge(target, incoming, setCurrentContext: true);
        }
        catch (KubeconfigConflictException)
        {
            FuzzPropertyException.Check(target.ToYaml() == before, "a merge that conflicted changed the file");
            return;
        }

        string written;
        try
        {
            written = target.ToYaml();
        }
        catch (KubeconfigException)
        {
            // Too long to write: the file is left as it was.
            return;
        }

        var merged = ReadBack(written);
        var again = KubeconfigMerge.Merge(merged, incoming, setCurrentContext: true);
        FuzzPropertyException.Check(again.Added.Count == 0, "merging the same file twice added entries twice");
    }

    /// <summary>Every entry and the current context hold the same strings, written apart from the merge's own comparison.</summary>
    private static bool SameValues(Kubeconfig a, Kubeconfig b) =>
        a.CurrentContext == b.CurrentContext
        && Enum.GetValues<KubeconfigSection>().All(section => a.Entries(section).Select(e => e.Node).SequenceEqual(b.Entries(section).Select(e => e.Node), NodeValues.Instance));

    private static Kubeconfig ReadBack(string written)
    {
        try
        {
            return Kubeconfig.Parse(written, "written");
        }
        catch (KubeconfigException e)
        {
            throw new FuzzPropertyException($"a kubeconfig Latchkey wrote does not read back ({e.Message}):\n{written}");
        }
    }
}

/// <summary>Nodes equal in their strings: scalars by value, lists in order, mappings key by key in order.</summary>
internal sealed class NodeValues : IEqualityComparer<YamlNode>
{
    public static readonly NodeValues Instance = new();

    public bool Equals(YamlNode? x, YamlNode? y) => (x, y) switch
    {
        (YamlScalarNode a, YamlScalarNode b) => a.Value == b.Value,
        (YamlSequenceNode a, YamlSequenceNode b) => a.Children.SequenceEqual(b.Children, this),
        (YamlMappingNode a, YamlMappingNode b) => a.Children.Keys.SequenceEqual(b.Children.Keys, this) && a.Children.Values.SequenceEqual(b.Children.Values, this),
        _ => false,
    };

    public int GetHashCode(YamlNode obj) => 0;
}
