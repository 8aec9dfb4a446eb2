namespace Latchkey.Server;

/// <summary>Log messages of owner notices and leak reports (event ids 100-119). None takes a secret or a webhook URL.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Error, "{Job} failed; it runs again at its next interval")]
    public static partial void JobFailed(ILogger logger, string job, Exception exception);

    [LoggerMessage(101, LogLevel.Information, "Notice {NoticeId} ({Kind}) delivered")]
    public static partial void NoticeDelivered(ILogger logger, Guid noticeId, string kind);

    [LoggerMessage(102, LogLevel.Warning, "Notice {NoticeId} ({Kind}) not delivered on try {Attempt}: {Reason}; next try at {DueAt}")]
    public static partial void NoticeRetry(ILogger logger, Guid noticeId, string kind, int attempt, string reason, DateTimeOffset dueAt);

    [LoggerMessage(103, LogLevel.Error, "Notice {NoticeId} ({Kind}) given up after {Attempt} tries: {Reason}")]
    public static partial void NoticeGivenUp(ILogger logger, Guid noticeId, string kind, int attempt, string reason);

    [LoggerMessage(104, LogLevel.Information, "Queued {Count} token expiry warnings")]
    public static partial void ExpiryWarningsQueued(ILogger logger, int count);

    [LoggerMessage(105, LogLevel.Warning, "Token {TokenId} reported as leaked and revoked")]
    public static partial void LeakedTokenRevoked(ILogger logger, string tokenId);

    [LoggerMessage(106, LogLevel.Information, "Leak report with {Received} strings from {Source}: {Revoked} live tokens revoked")]
    public static partial void LeakReportReceived(ILogger logger, int received, string? source, int revoked);
}
