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
    /// Networks the token may be used from, as canonical CIDRs separated by commas (such as
    /// <c>10.0.0.0/8,2001:db8::/32</c>); null means from anywhere.
    /// </summary>
    public string? AllowedCidrs { get; set; }

    /// <summary>Set when the token was rotated: the id of the token that replaces it.</summary>
    public string? ReplacedByTokenId { get; set; }

    /// <summary>
    /// The token this one was made from (an exec credential from its sign-in token): a child never
    /// outlives, outranks or outlasts its parent, and stops working the moment the parent does.
    /// Null for a token made directly by a person (created, signed in, or a rotation's successor).
    /// </summary>
    public string? ParentTokenId { get; set; }

    /// <summary>
    /// For a rotated token, the end of its grace period. Null with <see cref="ReplacedByTokenId"/>
    /// set means it retires at the replacement's first use.
    /// </summary>
    public DateTimeOffset? RetiresAt { get; set; }

    /// <summary>
    /// HMAC-SHA256 of the token text under the key named by <see cref="DigestKeyId"/>. The token
    /// itself is never stored, so a copy of the database cannot be used to authenticate.
    /// </summary>
    public required byte[] SecretDigest { get; set; }

    public required string DigestKeyId { get; set; }
}
