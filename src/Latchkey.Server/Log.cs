namespace Latchkey.Server;

/// <summary>Every log message of the server. None takes a secret; tokens appear only by public id.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "Audit queue full; dropped a {Action} event")]
    public static partial void AuditEventDropped(ILogger logger, string action);

    [LoggerMessage(2, LogLevel.Error, "Writing last-used times or audit events failed; will retry")]
    public static partial void WriteBehindFailed(ILogger logger, Exception exception);

    [LoggerMessage(3, LogLevel.Information, "Token {TokenId} created for user {UserId}")]
    public static partial void TokenCreated(ILogger logger, string tokenId, Guid userId);

    [LoggerMessage(4, LogLevel.Information, "Token {TokenId} revoked by user {UserId}")]
    public static partial void TokenRevoked(ILogger logger, string tokenId, Guid userId);

    [LoggerMessage(5, LogLevel.Debug, "Authentication failed: {Failure} (token {TokenId})")]
    public static partial void AuthenticationFailed(ILogger logger, string failure, string? tokenId);

    [LoggerMessage(6, LogLevel.Information, "Store ready at {Store}")]
    public static partial void StoreReady(ILogger logger, string store);

    [LoggerMessage(7, LogLevel.Warning, "Created organization '{Slug}' and admin {Email} on first start")]
    public static partial void Bootstrapped(ILogger logger, string slug, string email);

    [LoggerMessage(8, LogLevel.Error, "The store is unavailable")]
    public static partial void StoreUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(9, LogLevel.Error, "Unhandled error")]
    public static partial void UnhandledError(ILogger logger, Exception exception);

    [LoggerMessage(10, LogLevel.Debug, "{Method} {Path} answered {Status} in {ElapsedMs:0.0} ms")]
    public static partial void RequestFinished(ILogger logger, string method, string path, int status, double elapsedMs);

    [LoggerMessage(11, LogLevel.Warning, "Rejected a request that carried a token in its URL from {Source}")]
    public static partial void TokenInUrl(ILogger logger, string? source);

    [LoggerMessage(12, LogLevel.Warning, "Could not tell other replicas about {Change}; they catch up when their caches expire")]
    public static partial void ChangeNotSent(ILogger logger, string change, Exception exception);

    [LoggerMessage(13, LogLevel.Warning, "Lost the change feed connection; reconnecting")]
    public static partial void ChangeFeedInterrupted(ILogger logger, Exception exception);

    [LoggerMessage(14, LogLevel.Information, "Change feed connected again; cached answers were dropped")]
    public static partial void ChangeFeedResumed(ILogger logger);
}
