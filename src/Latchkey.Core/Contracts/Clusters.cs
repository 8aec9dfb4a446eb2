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
