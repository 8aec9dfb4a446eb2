namespace Latchkey.Data;

/// <summary>One thing that happened. Never holds a secret: tokens appear only by their public id.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }
    public DateTimeOffset Time { get; set; }

    /// <summary>Null when the actor could not be tied to an organization (a garbage token, say).</summary>
    public Guid? OrganizationId { get; set; }

    public Guid? ActorUserId { get; set; }
    public string? ActorEmail { get; set; }
    public string? ActorTokenId { get; set; }

    /// <summary>Dotted verb such as <c>token.create</c> or <c>auth.failed</c>.</summary>
    public required string Action { get; set; }

    /// <summary><c>success</c>, <c>failure</c> or <c>denied</c>.</summary>
    public required string Outcome { get; set; }

    public string? TargetType { get; set; }
    public string? TargetId { get; set; }
    public string? SourceAddress { get; set; }
    public string? UserAgent { get; set; }
    public string? Detail { get; set; }

    /// <summary>
    /// How many times this happened: 1 for a change, more for a failure that repeated within one
    /// write of the audit queue (same source, action, outcome, target and reason); <see cref="Time"/> is the first.
    /// </summary>
    public int Count { get; set; } = 1;
}
