namespace Latchkey.Data;

public sealed class User
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public Organization Organization { get; set; } = null!;

    public required string Email { get; set; }

    /// <summary>Lower-case email, unique across the installation so that sign-in is unambiguous.</summary>
    public required string NormalizedEmail { get; set; }

    public required string DisplayName { get; set; }
    public required string PasswordHash { get; set; }

    /// <summary>A disabled user's tokens fail at once, wherever they are used.</summary>
    public bool IsActive { get; set; } = true;

    public DateTimeOffset CreatedAt { get; set; }
}
