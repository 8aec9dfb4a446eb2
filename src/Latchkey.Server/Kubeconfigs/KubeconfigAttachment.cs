using Latchkey.Core.Kubeconfigs;
using Latchkey.Data;
using Latchkey.Server.Clusters;

namespace Latchkey.Server.Kubeconfigs;

/// <summary>The console's kubeconfig download: the very file the API returns with a new token (one builder for every door).</summary>
internal static class KubeconfigAttachment
{
    public static string FileName(string cluster) => $"{cluster}-kubeconfig.yaml";

    public static string Build(Cluster cluster, string tokenId, string tokenName, string secret) =>
        KubeconfigTemplates.WithToken(UsableClusters.Describe(cluster), tokenId, tokenName, secret).ToYaml();
}
