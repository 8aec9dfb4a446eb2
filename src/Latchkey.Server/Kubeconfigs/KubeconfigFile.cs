using System.Text;
using System.Text.Json;
using Latchkey.Data;

namespace Latchkey.Server.Kubeconfigs;

/// <summary>
/// A kubeconfig for one cluster with a token in it, in the shape DESIGN.md gives: names that
/// reference each other (the context's user is a users[].name) and carry the token id, so that
/// files merged together do not collide. Locked by a golden file; meant to give way to the
/// shared kubeconfig model once the server and the CLI share one.
/// </summary>
internal static class KubeconfigFile
{
    private const int MaxSlugLength = 40;

    public static string FileName(string cluster) => $"{cluster}-kubeconfig.yaml";

    public static string ContextName(string cluster, string tokenName) => $"{cluster}-{Slug(tokenName)}";

    public static string UserName(string tokenId, string tokenName) => $"latchkey-{tokenId}-{Slug(tokenName)}";

    public static string Build(Cluster cluster, string tokenId, string tokenName, string secret)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var context = ContextName(cluster.Name, tokenName);
        var user = UserName(tokenId, tokenName);
        // Names are DNS labels and slugs, the token base62, the CA base64: only the server URL
        // can hold characters YAML cares about, so it is written as a quoted (JSON) string.
        var yaml = new StringBuilder()
            .Append("apiVersion: v1\n")
            .Append("kind: Config\n")
            .Append("clusters:\n")
            .Append("  - name: ").Append(cluster.Name).Append('\n')
            .Append("    cluster:\n")
            .Append("      server: ").Append(JsonSerializer.Serialize(cluster.Server)).Append('\n');
        if (cluster.CertificateAuthorityData is { Length: > 0 } ca)
        {
            yaml.Append("      certificate-authority-data: ").Append(ca).Append('\n');
        }

        return yaml
            .Append("contexts:\n")
            .Append("  - name: ").Append(context).Append('\n')
            .Append("    context:\n")
            .Append("      cluster: ").Append(cluster.Name).Append('\n')
            .Append("      namespace: ").Append(cluster.DefaultNamespace).Append('\n')
            .Append("      user: ").Append(user).Append('\n')
            .Append("current-context: ").Append(context).Append('\n')
            .Append("users:\n")
            .Append("  - name: ").Append(user).Append('\n')
            .Append("    user:\n")
            .Append("      token: ").Append(secret).Append('\n')
            .ToString();
    }

    /// <summary>"CI deploy (prod)" becomes "ci-deploy-prod": lower-case letters, digits and single dashes.</summary>
    public static string Slug(string tokenName)
    {
        ArgumentNullException.ThrowIfNull(tokenName);
        var slug = new StringBuilder();
        foreach (var c in tokenName.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        var text = slug.ToString();
        text = text.Length > MaxSlugLength ? text[..MaxSlugLength] : text;
        text = text.Trim('-');
        return text.Length == 0 ? "token" : text;
    }
}
