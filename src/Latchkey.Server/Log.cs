namespace Latchkey.Server;

/// <summary>Every log message of the server. None takes a secret; tokens appear only by public id.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "{Count} audit event(s) dropped: the audit queue was full (the store slow or away, or more distinct failures than Latchkey:AuditQueueCapacity); every drop is counted in latchkey_audit_events_dropped_total, and this line repeats at most once a minute")]
    public static partial void AuditEventsDropped(ILogger logger, long count);

    [LoggerMessage(16, LogLevel.Error, "Writing audit events failed; {Waiting} event(s) wait for the next attempt, every second (logged at most once a minute)")]
    public static partial void AuditWriteFailed(ILogger logger, int waiting, Exception exception);

    [LoggerMessage(2, LogLevel.Error, "Writing last-used times or usage counts failed; will retry")]
    public static partial void WriteBehindFailed(ILogger logger, Exception exception);

    [LoggerMessage(3, LogLevel.Information, "Token {TokenId} created for user {UserId}")]
    public static partial void TokenCreated(ILogger logger, string tokenId, Guid userId);

    [LoggerMessage(4, LogLevel.Information, "Token {TokenId} revoked by user {UserId}")]
    public static partial void TokenRevoked(ILogger logger, string tokenId, Guid userId);

    [LoggerMessage(5, LogLevel.Debug, "Authentication failed: {Failure} (token {TokenId})")]
    public static partial void AuthenticationFailed(ILogger logger, string failure, string? tokenId);

    [LoggerMessage(6, LogLevel.Information, "Store ready at {Store}")]
    public static partial void StoreReady(ILogger logger, string store);

    [LoggerMessage(15, LogLevel.Warning, "Removed the migration lock a start that was killed left in {Store}; no other process is setting it up")]
    public static partial void StaleMigrationLockCleared(ILogger logger, string store);

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


    [LoggerMessage(13, LogLevel.Warning, "Cannot read the change log; until it can, this replica answers from the store only")]
    public static partial void ChangeFeedInterrupted(ILogger logger, Exception exception);

    [LoggerMessage(14, LogLevel.Information, "Change log readable again; the changes missed meanwhile were applied")]
    public static partial void ChangeFeedResumed(ILogger logger);

    [LoggerMessage(40, LogLevel.Information, "Token {TokenId} revoked: {Reason}")]
    public static partial void TokenRetired(ILogger logger, string tokenId, string reason);

    [LoggerMessage(41, LogLevel.Information, "Token {TokenId} rotated: replaced by {NewTokenId}")]
    public static partial void TokenRotated(ILogger logger, string tokenId, string newTokenId);

    [LoggerMessage(42, LogLevel.Warning, "Rotated token {TokenId} was used after it retired")]
    public static partial void RotatedTokenReused(ILogger logger, string tokenId);

    [LoggerMessage(43, LogLevel.Warning, "Could not retire token {TokenId} at its replacement's first use; the lifecycle job will")]
    public static partial void RetirementDeferred(ILogger logger, string tokenId, Exception exception);

    [LoggerMessage(44, LogLevel.Warning, "Could not queue a notice for {Kind}; will try again at the next occurrence")]
    public static partial void NoticeNotQueued(ILogger logger, string kind, Exception exception);

    [LoggerMessage(45, LogLevel.Error, "Token lifecycle job {Job} failed; will run again")]
    public static partial void LifecycleJobFailed(ILogger logger, string job, Exception exception);

    [LoggerMessage(46, LogLevel.Information, "Idle tokens: {Warned} owners warned, {Revoked} tokens revoked")]
    public static partial void IdleTokensHandled(ILogger logger, int warned, int revoked);

    [LoggerMessage(47, LogLevel.Information, "Retention pruned {Tokens} tokens, {Usage} usage rows and {Audit} audit events")]
    public static partial void RetentionPruned(ILogger logger, int tokens, int usage, int audit);

    [LoggerMessage(60, LogLevel.Error, "Writing webhook credentials' last use failed; will retry")]
    public static partial void WebhookCredentialUsesFailed(ILogger logger, Exception exception);

    [LoggerMessage(61, LogLevel.Information, "Webhook credential {CredentialId} of cluster {ClusterId} revoked by user {UserId}")]
    public static partial void WebhookCredentialRevoked(ILogger logger, Guid credentialId, Guid clusterId, Guid userId);

    [LoggerMessage(62, LogLevel.Warning, "{Path} was readable or writable by others; narrowed to the service user alone")]
    public static partial void DataFileNarrowed(ILogger logger, string path);

    [LoggerMessage(70, LogLevel.Warning, "{Method} {Path} got no answer from the store within its budget of {BudgetMs} ms; answered 503")]
    public static partial void RequestOverBudget(ILogger logger, string method, string path, double budgetMs);

    [LoggerMessage(71, LogLevel.Debug, "The work of a request answered 503 at its budget ended in an error")]
    public static partial void AbandonedWorkFailed(ILogger logger, Exception exception);

    [LoggerMessage(72, LogLevel.Warning, "Not ready: {Cause}")]
    public static partial void NotReady(ILogger logger, string cause);
}
