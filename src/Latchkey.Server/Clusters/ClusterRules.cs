using System.Text;
using System.Text.RegularExpressions;
using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Server.Clusters;

internal static partial class ClusterRules
{
    /// <param name="allowHttp">Latchkey:AllowHttpClusterServers, for local test clusters: kubectl sends no exec credentials to http:// servers, and a token over http travels in the clear.</param>
    public static (string Field, string Message)? Check(CreateClusterRequest request, bool allowHttp = false)
    {
        if (string.IsNullOrEmpty(request.Name) || !DnsLabel().IsMatch(request.Name))
        {
            return ("name", "The name must be 1-63 lower-case letters, digits or '-', starting and ending with a letter or digit (it is used in kubeconfig names).");
        }

        if (ServerProblem(request.Server, allowHttp) is { } serverProblem)
        {
            return ("server", serverProblem);
        }

        if (request.Zone is { Length: > 63 })
        {
            return ("zone", "zone is longer than 63 characters.");
        }

        if (request.DefaultNamespace is { Length: > 0 } ns && !DnsLabel().IsMatch(ns))
        {
            return ("defaultNamespace", "defaultNamespace must be a Kubernetes namespace name (a DNS label).");
        }

        if (request.Audience is { Length: > 2048 })
        {
            return ("audience", "audience is longer than 2048 characters.");
        }

        if (!string.IsNullOrWhiteSpace(request.CertificateAuthorityData) && !IsPemBundle(request.CertificateAuthorityData.Trim()))
        {
            return ("certificateAuthorityData", "certificateAuthorityData must be the base64 encoding of PEM X.509 certificates (and nothing else), as in a kubeconfig's certificate-authority-data.");
        }

        return null;
    }

    private static string? ServerProblem(string? text, bool allowHttp) => ClusterServer.Problem(text, allowHttp) switch
    {
        null => null,
        ClusterServer.HttpProblem => ClusterServer.HttpProblem + " (Latchkey:AllowHttpClusterServers allows http:// for local test clusters.)",
        var problem => problem,
    };

    /// <summary>Base64 of PEM that holds one or more X.509 certificates and nothing else (never a private key).</summary>
    private static bool IsPemBundle(string base64)
    {
        try
        {
            var pem = Encoding.ASCII.GetString(Convert.FromBase64String(base64));
            var blocks = PemBlock().Matches(pem);
            if (blocks.Count == 0 || blocks.Any(b => b.Groups[1].Value != "CERTIFICATE"))
            {
                return false;
            }

            var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            certificates.ImportFromPem(pem);
            return certificates.Count == blocks.Count;
        }
        catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    [GeneratedRegex("-----BEGIN ([A-Z0-9 ]+)-----")]
    private static partial Regex PemBlock();

    /// <summary>A DNS label (RFC 1123): the form of cluster, VPC and zone names.</summary>
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    public static partial Regex DnsLabel();
}
