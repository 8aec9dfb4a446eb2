using System.Text.RegularExpressions;
using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Cli.Kubeconfigs;

/// <summary>
/// The cluster fields a kubeconfig is built from, checked on arrival: the server (or anyone on the
/// way to it) decides what they say, and kubectl acts on what the file says.
/// </summary>
internal static partial class ClusterFields
{
    public static ClusterInfo Checked(ClusterInfo cluster, bool allowHttp)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (!DnsLabel().IsMatch(cluster.Name))
        {
            throw new CliException("The server described a cluster with an unusable name; nothing was written.");
        }

        if (ClusterServer.Problem(cluster.Server, allowHttp) is { } problem)
        {
            throw new CliException(problem == ClusterServer.HttpProblem
                ? $"Cluster {cluster.Name} is served at {cluster.Server}. {problem} Nothing was written; pass --insecure-http to write it anyway (for a local test cluster)."
                : $"The server described cluster {cluster.Name} with an unusable server URL. {problem} Nothing was written.");
        }

        if (cluster.DefaultNamespace is { Length: > 0 } ns && !DnsLabel().IsMatch(ns))
        {
            throw new CliException($"The server described cluster {cluster.Name} with a namespace that is not a Kubernetes namespace name; nothing was written.");
        }

        if (cluster.CertificateAuthorityData is { Length: > 0 } ca && !Base64().IsMatch(ca))
        {
            throw new CliException($"The server described cluster {cluster.Name} with certificate authority data that is not base64; nothing was written.");
        }

        return cluster;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[A-Za-z0-9+/]+={0,2}$")]
    private static partial Regex Base64();
}
