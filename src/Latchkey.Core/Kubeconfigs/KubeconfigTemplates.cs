using Latchkey.Core.Contracts;
using YamlDotNet.RepresentationModel;

namespace Latchkey.Core.Kubeconfigs;

/// <summary>The two kubeconfigs Latchkey hands out for a cluster: one holding a token, one that runs <c>latchkey credential</c>.</summary>
public static class KubeconfigTemplates
{
    /// <summary>The ExecCredential version both sides speak (<c>k8s.io/client-go/pkg/apis/clientauthentication/v1</c>).</summary>
    public const string ExecApiVersion = "client.authentication.k8s.io/v1";

    public const string ExecCommand = "latchkey";

    /// <summary>A kubeconfig whose user holds <paramref name="secret"/>, with the context as current context.</summary>
    public static Kubeconfig WithToken(ClusterInfo cluster, string tokenId, string tokenName, string secret)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var user = KubeconfigNames.User(tokenId, tokenName);
        return Build(cluster, KubeconfigNames.Context(cluster.Name, tokenName), user,
            YamlNodes.Mapping(("token", YamlNodes.Scalar(secret))));
    }

    /// <summary>A kubeconfig whose user holds no secret: kubectl asks <c>latchkey credential</c> for a short-lived token.</summary>
    public static Kubeconfig WithExec(ClusterInfo cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var exec = YamlNodes.Mapping(
            ("apiVersion", YamlNodes.Scalar(ExecApiVersion)),
            ("command", YamlNodes.Scalar(ExecCommand)),
            ("args", new YamlSequenceNode(YamlNodes.Scalar("credential"), YamlNodes.Scalar("--cluster"), YamlNodes.Scalar(cluster.Name))),
            ("interactiveMode", YamlNodes.Scalar("Never")),
            ("provideClusterInfo", YamlNodes.Boolean(false)),
            ("installHint", YamlNodes.Scalar("This cluster's credentials come from the Latchkey CLI: install 'latchkey' and run 'latchkey login'.")));
        return Build(cluster, KubeconfigNames.ExecContext(cluster.Name), KubeconfigNames.ExecUser(cluster.Name),
            YamlNodes.Mapping(("exec", exec)));
    }

    private static Kubeconfig Build(ClusterInfo cluster, string context, string user, YamlMappingNode credentials)
    {
        var config = Kubeconfig.Empty();
        config.Add(Entry(KubeconfigSection.Clusters, cluster.Name, YamlNodes.Mapping(
            ("server", YamlNodes.Scalar(cluster.Server)),
            ("certificate-authority-data", string.IsNullOrEmpty(cluster.CertificateAuthorityData) ? null : YamlNodes.Scalar(cluster.CertificateAuthorityData)))));
        config.Add(Entry(KubeconfigSection.Contexts, context, YamlNodes.Mapping(
            ("cluster", YamlNodes.Scalar(cluster.Name)),
            ("namespace", YamlNodes.Scalar(string.IsNullOrEmpty(cluster.DefaultNamespace) ? "default" : cluster.DefaultNamespace)),
            ("user", YamlNodes.Scalar(user)))));
        config.Add(Entry(KubeconfigSection.Users, user, credentials));
        config.CurrentContext = context;
        return config;
    }

    private static KubeconfigEntry Entry(KubeconfigSection section, string name, YamlMappingNode body) =>
        new(section, name, YamlNodes.Mapping(("name", YamlNodes.Scalar(name)), (Kubeconfig.BodyKey(section), body)));
}
