using System.Text;
using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Fuzz;

/// <summary>
/// A kubeconfig file loads or is refused with a <see cref="KubeconfigException"/>. A loaded file
/// written out reads back as the same file; merged into the kubeconfigs Latchkey writes it either
/// conflicts and changes nothing, or gives a file that reads back, holds no name twice and takes
/// the same merge again without change.
/// </summary>
internal static class KubeconfigHarness
{
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

        FuzzPropertyException.Check(ReadBack(written).ToYaml() == written, $"a loaded kubeconfig written out reads back as another file:\n{written}");

        MergeInto(Kubeconfig.Empty(), incoming);
        MergeInto(KubeconfigTemplates.WithToken(Cluster, "0123456789abcdef", "ci deploy", "lk_000000000000000000000000000000000000"), incoming);
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
