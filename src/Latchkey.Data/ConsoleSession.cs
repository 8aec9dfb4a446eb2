namespace Latchkey.Data;

/// <summary>
/// One signed-in console session. The cookie names it; every request checks it here, so signing
/// out, changing the password or disabling the account ends it on every replica at once.
/// </summary>
public sealed class ConsoleSession
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The absolute end, however active the session is.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }
    public string? EndReason { get; set; }
}
