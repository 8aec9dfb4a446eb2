namespace Latchkey.Core.Contracts;

public sealed record AuditActor(Guid? UserId, string? Email, string? TokenId);

public sealed record AuditEventInfo(
    long Id,
    DateTimeOffset Time,
    string Action,
    string Outcome,
    AuditActor Actor,
    string? TargetType,
    string? TargetId,
    string? SourceAddress,
    string? UserAgent,
    string? Detail,
    int Count = 1);
