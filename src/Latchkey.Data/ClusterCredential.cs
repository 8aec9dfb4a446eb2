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
    public DateTimeOffset? RevokedAt { get; set; }
}
