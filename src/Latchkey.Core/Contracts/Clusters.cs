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

/// <summary>
/// What an API server needs to call Latchkey's webhooks: two kubeconfig-format files (they hold a
/// new webhook credential, shown this once) and the flags to add.
/// </summary>
public sealed record WebhookConfig(
    string Cluster,
    string AuthenticationConfig,
    string AuthorizationConfig,
    IReadOnlyList<string> ApiServerFlags);

/// <summary>A short-lived token for one cluster, for the kubectl exec plugin (<c>latchkey credential</c>).</summary>
public sealed record ClusterToken(string Token, string TokenId, DateTimeOffset ExpiresAt);

/// <summary>
/// One webhook credential of a cluster, as its admins see it (never the secret). Status is
/// <c>active</c>, <c>expired</c> or <c>revoked</c>.
/// </summary>
public sealed record WebhookCredentialInfo(
    Guid Id,
    DateTimeOffset CreatedAt,
    string? CreatedBy,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt,
    string? RevokedBy,
    string Status);
