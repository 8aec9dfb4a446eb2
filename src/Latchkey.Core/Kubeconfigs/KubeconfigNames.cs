using System.Text;

namespace Latchkey.Core.Kubeconfigs;

/// <summary>
/// How Latchkey names kubeconfig entries: names that reference each other and do not collide
/// when files are merged. The user name carries the token id, so one file can hold several
/// tokens for the same cluster and a tool can tell which token an entry holds.
/// </summary>
public static class KubeconfigNames
{
    public const string UserPrefix = "latchkey-";
    public const string ExecUserPrefix = "latchkey-exec-";
    private const int MaxSlugLength = 40;
    private const int TokenIdLength = 16;

    /// <summary>"CI deploy (prod)" becomes "ci-deploy-prod": lower-case letters, digits and single dashes.</summary>
    public static string Slug(string tokenName)
    {
        ArgumentNullException.ThrowIfNull(tokenName);
        var slug = new StringBuilder(Math.Min(tokenName.Length, MaxSlugLength));
        foreach (var c in tokenName)
        {
            if (slug.Length == MaxSlugLength)
            {
                break;
            }

            if (char.IsAsciiLetterOrDigit(c))
            {
                slug.Append(char.ToLowerInvariant(c));
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        var text = slug.ToString().Trim('-');
        return text.Length == 0 ? "token" : text;
    }

    public static string Context(string cluster, string tokenName) => $"{cluster}-{Slug(tokenName)}";

    public static string User(string tokenId, string tokenName) => $"{UserPrefix}{tokenId}-{Slug(tokenName)}";

    /// <summary>The exec form holds no token, so there is one per cluster: its context is named after the cluster.</summary>
    public static string ExecContext(string cluster) => cluster;

    public static string ExecUser(string cluster) => ExecUserPrefix + cluster;

    /// <summary>The token id in a user name that <see cref="User"/> made, or null for any other name.</summary>
    public static string? TokenIdOf(string userName)
    {
        ArgumentNullException.ThrowIfNull(userName);
        if (!userName.StartsWith(UserPrefix, StringComparison.Ordinal) || userName.Length < UserPrefix.Length + TokenIdLength)
        {
            return null;
        }

        var id = userName.AsSpan(UserPrefix.Length, TokenIdLength);
        var rest = userName.AsSpan(UserPrefix.Length + TokenIdLength);
        foreach (var c in id)
        {
            if (!char.IsAsciiDigit(c) && !char.IsAsciiLetterLower(c))
            {
                return null;
            }
        }

        return rest.IsEmpty || rest[0] == '-' ? id.ToString() : null;
    }
}
