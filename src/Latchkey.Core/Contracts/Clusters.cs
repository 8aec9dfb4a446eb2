namespace Latchkey.Core.Contracts;

public sealed record CreateClusterRequest(
    string? Name,
    string? Server,
    string? CertificateAuthorityData = null,
    string? Zone = null,
    string? DefaultNamespace = null,
    string? Audience = null);

public sealed record ClusterInfo(
    string Name,
    string? Zone,
    string Server,
    string? CertificateAuthorityData,
    string Audience,
    string DefaultNamespace,
    DateTimeOffset CreatedAt);

/// <summary>A short-lived token for one cluster, for the kubectl exec plugin (<c>latchkey credential</c>).</summary>
public sealed record ClusterCredential(string Token, string TokenId, DateTimeOffset ExpiresAt);
