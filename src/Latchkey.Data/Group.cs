namespace Latchkey.Data;

/// <summary>A named set of users of one organization; access policies can name it as their principal.</summary>
public sealed class Group
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }

    /// <summary>As given; it appears in TokenReview groups as <c>latchkey:group:&lt;name&gt;</c>.</summary>
    public required string Name { get; set; }

    /// <summary>Lower-case name, unique in the organization, so that "Ops" and "ops" cannot both exist.</summary>
    public required string NormalizedName { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One user in one group.</summary>
public sealed class GroupMember
{
    public Guid GroupId { get; set; }
    public Group Group { get; set; } = null!;
    public Guid UserId { get; set; }
    public User User { get; set; } = null!;
    public DateTimeOffset AddedAt { get; set; }
}
