using Latchkey.Core.Contracts;
using YamlDotNet.RepresentationModel;

namespace Latchkey.Core.Kubeconfigs;

/// <summary>The two kubeconfigs Latchkey hands out for a cluster: one holding a token, one that runs <c>latchkey credential</c>.</summary>
public static class KubeconfigTemplates
{
    /// <summary>The ExecCredential version both sides speak (<c>k8s.io/client-go/pkg/apis/clientauthentication/v1</c>).</summary>
    public const string ExecApiVersion = "client.authentication.k8s.io/v1";

    public const string ExecCommand = "latchkey";

    /// <summary>
    /// A kubeconfig whose user holds <paramref name="secret"/>, with the context as current context.
    /// <paramref name="alias"/> names the context and its cluster entry, <paramref name="userAlias"/> the user
    /// (as <c>aws eks update-kubeconfig --alias/--user-alias</c> do), where the usual names are taken.
    /// </summary>
    public static Kubeconfig WithToken(ClusterInfo cluster, string tokenId, string tokenName, string secret, string? alias = null, string? userAlias = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return Build(cluster, alias ?? cluster.Name, alias ?? KubeconfigNames.Context(cluster.Name, tokenName), userAlias ?? KubeconfigNames.User(tokenId, tokenName),
            YamlNodes.Mapping(("token", YamlNodes.Scalar(secret))));
    }

    /// <summary>
    /// A kubeconfig whose user holds no secret: kubectl asks <c>latchkey credential</c> for a short-lived token.
    /// kubectl passes the cluster's server to it (<c>provideClusterInfo</c>), so that it can refuse a
    /// server other than the one Latchkey registered; the aliases are those of <see cref="WithToken"/>.
    /// </summary>
    public static Kubeconfig WithExec(ClusterInfo cluster, string? alias = null, string? userAlias = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var exec = YamlNodes.Mapping(
            ("apiVersion", YamlNodes.Scalar(ExecApiVersion)),
            ("command", YamlNodes.Scalar(ExecCommand)),
            ("args", new YamlSequenceNode(YamlNodes.Scalar("credential"), YamlNodes.Scalar("--cluster"), YamlNodes.Scalar(cluster.Name))),
            ("interactiveMode", YamlNodes.Scalar("Never")),
            ("provideClusterInfo", YamlNodes.Boolean(true)),
            ("installHint", YamlNodes.Scalar("This cluster's credentials come from the Latchkey CLI: install 'latchkey' and run 'latchkey login'.")));
        return Build(cluster, alias ?? cluster.Name, alias ?? KubeconfigNames.ExecContext(cluster.Name), userAlias ?? KubeconfigNames.ExecUser(cluster.Name),
            YamlNodes.Mapping(("exec", exec)));
    }

    private static Kubeconfig Build(ClusterInfo cluster, string clusterEntry, string context, string user, YamlMappingNode credentials)
    {
        var config = Kubeconfig.Empty();
        config.Add(Entry(KubeconfigSection.Clusters, clusterEntry, YamlNodes.Mapping(
            ("server", YamlNodes.Scalar(cluster.Server)),
            ("certificate-authority-data", string.IsNullOrEmpty(cluster.CertificateAuthorityData) ? null : YamlNodes.Scalar(cluster.CertificateAuthorityData)))));
        config.Add(Entry(KubeconfigSection.Contexts, context, YamlNodes.Mapping(
            ("cluster", YamlNodes.Scalar(clusterEntry)),
            ("namespace", YamlNodes.Scalar(string.IsNullOrEmpty(cluster.DefaultNamespace) ? "default" : cluster.DefaultNamespace)),
            ("user", YamlNodes.Scalar(user)))));
        config.Add(Entry(KubeconfigSection.Users, user, credentials));
        config.CurrentContext = context;
        return config;
    }

    private static KubeconfigEntry Entry(KubeconfigSection section, string name, YamlMappingNode body) =>
        new(section, name, YamlNodes.Mapping(("name", YamlNodes.Scalar(name)), (Kubeconfig.BodyKey(section), body)));
}
