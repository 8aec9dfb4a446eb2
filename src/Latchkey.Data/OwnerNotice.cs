namespace Latchkey.Data;

/// <summary>
/// A message for a token's owner (expiry warning, leaked or reused token, idle cleanup), kept until
/// it is delivered. The unique <see cref="DedupKey"/> makes "once per token and reason" hold across
/// replicas and repeated job runs: a second insert of the same key is refused by the store.
/// </summary>
public sealed class OwnerNotice
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public Guid UserId { get; set; }

    /// <summary>The token the notice is about, by its public id.</summary>
    public string? TokenId { get; set; }

    /// <summary>What happened, such as <c>token.expiring</c> or <c>token.leaked</c>.</summary>
    public required string Kind { get; set; }

    /// <summary>Such as <c>token.expiring:7:TOKENID</c>: one notice per key, ever.</summary>
    public required string DedupKey { get; set; }

    public required string Subject { get; set; }

    /// <summary>Plain text for a person. Never holds a secret.</summary>
    public required string Text { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When delivery may next be tried; null once delivered or given up.</summary>
    public DateTimeOffset? DueAt { get; set; }

    public int Attempts { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public DateTimeOffset? GaveUpAt { get; set; }
    public string? LastError { get; set; }
}
