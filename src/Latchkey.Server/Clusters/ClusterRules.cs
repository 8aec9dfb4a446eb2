using System.Text;
using System.Text.RegularExpressions;
using Latchkey.Core.Contracts;

namespace Latchkey.Server.Clusters;

internal static partial class ClusterRules
{
    public static (string Field, string Message)? Check(CreateClusterRequest request)
    {
        if (string.IsNullOrEmpty(request.Name) || !DnsLabel().IsMatch(request.Name))
        {
            return ("name", "The name must be 1-63 lower-case letters, digits or '-', starting and ending with a letter or digit (it is used in kubeconfig names).");
        }

        if (string.IsNullOrWhiteSpace(request.Server)
            || !Uri.TryCreate(request.Server.Trim(), UriKind.Absolute, out var server)
            || server.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(server.Query) || server.Host.Length == 0)
        {
            return ("server", "server must be the API server's absolute URL, such as https://k8s.example.com:6443.");
        }

        if (request.Server.Length > 2048)
        {
            return ("server", "server is longer than 2048 characters.");
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
            return ("certificateAuthorityData", "certificateAuthorityData must be the base64 encoding of a PEM certificate bundle, as in a kubeconfig.");
        }

        return null;
    }

    private static bool IsPemBundle(string base64)
    {
        try
        {
            var pem = Encoding.ASCII.GetString(Convert.FromBase64String(base64));
            return pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>A DNS label (RFC 1123): the form of cluster, VPC and zone names.</summary>
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    public static partial Regex DnsLabel();
}
