namespace Latchkey.Data;

/// <summary>
/// What a cluster's API server presents to call the webhooks (TokenReview, SubjectAccessReview).
/// It identifies the cluster, so a token is reviewed for that cluster only. Stored, like tokens,
/// only as a keyed digest.
/// </summary>
public sealed class ClusterCredential
{
    public Guid Id { get; set; }
    public Guid ClusterId { get; set; }
    public Cluster Cluster { get; set; } = null!;
    public Guid OrganizationId { get; set; }
    public required byte[] SecretDigest { get; set; }
    public required string DigestKeyId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Guid? CreatedByUserId { get; set; }
    /// <summary>When the cluster must have been given a new credential; null only for credentials made before expiry existed.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public Guid? RevokedByUserId { get; set; }
}
