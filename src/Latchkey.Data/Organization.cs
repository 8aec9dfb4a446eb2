namespace Latchkey.Data;

public sealed class Organization
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string Slug { get; set; }

    /// <summary>The longest lifetime a new token may have.</summary>
    public int MaxTokenLifetimeDays { get; set; } = 365;

    /// <summary>Whether members may create tokens that never expire.</summary>
    public bool AllowNoExpiration { get; set; }

    /// <summary>
    /// Space-separated permissions new tokens may be scoped to; null lets members mint any token
    /// their rights allow, unscoped included. When set, every new token must carry scopes within it.
    /// </summary>
    public string? MintablePermissions { get; set; }
    /// <summary>Tokens unused for this many days are revoked (their owners are warned first); null turns this off.</summary>
    public int? IdleRevokeDays { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
