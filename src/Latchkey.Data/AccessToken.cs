namespace Latchkey.Data;

public sealed class AccessToken
{
    /// <summary>Public id: random, not secret, safe to show and to put in URLs.</summary>
    public required string Id { get; set; }

    public Guid OrganizationId { get; set; }
    public Guid UserId { get; set; }
    public User User { get; set; } = null!;

    public required string Name { get; set; }
    public string? Note { get; set; }

    /// <summary>Where the token was made: api, login, console, cli.</summary>
    public required string CreatedVia { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Null only where the organization allows tokens without expiration.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
    public Guid? RevokedByUserId { get; set; }
    public string? RevocationReason { get; set; }

    /// <summary>
    /// Space-separated permissions (each optionally on one cluster or VPC id) the token is narrowed to;
    /// null for a token that acts with all of its owner's rights.
    /// </summary>
    public string? Scopes { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }
    public string? LastUsedFrom { get; set; }

    /// <summary>
    /// HMAC-SHA256 of the token text under the key named by <see cref="DigestKeyId"/>. The token
    /// itself is never stored, so a copy of the database cannot be used to authenticate.
    /// </summary>
    public required byte[] SecretDigest { get; set; }

    public required string DigestKeyId { get; set; }
}
