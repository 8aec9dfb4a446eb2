namespace Latchkey.Data;

/// <summary>
/// A one-time link that lets an invited user choose a password. Only the SHA-256 of the code is
/// kept, so the database alone cannot be used to take over an invited account.
/// </summary>
public sealed class Invitation
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public Guid UserId { get; set; }
    public User User { get; set; } = null!;
    public required byte[] CodeDigest { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Guid? CreatedByUserId { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
}
