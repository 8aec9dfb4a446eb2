using Latchkey.Data;
using Latchkey.Server.Observability;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Audit;

/// <summary>
/// Builds audit events. Events that go with a change are added to that change's
/// <see cref="LatchkeyDbContext"/>, so both commit before the answer or neither does. Failures
/// that repeat (throttled sign-ins, failed verifications) are <see cref="Tally">tallied</see>
/// instead: collapsed in <see cref="AuditQueue"/> and written by <see cref="AuditWriter"/> about
/// every second. What the queue cannot hold is counted in <c>latchkey_audit_events_dropped_total</c>
/// and logged at most once a minute, never lost silently.
/// </summary>
internal sealed class AuditLog : IDisposable
{
    private static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);

    private readonly IDbContextFactory<LatchkeyDbContext> store;
    private readonly LatchkeyMetrics metrics;
    private readonly TimeProvider time;
    private readonly ILogger<AuditLog> logger;
    private readonly AuditQueue queue;
    private readonly SemaphoreSlim flushing = new(1, 1);
    private readonly Lock reporting = new();
    private long unreportedDrops;
    private DateTimeOffset? dropsReported, failureReported;

    public AuditLog(IDbContextFactory<LatchkeyDbContext> store, LatchkeyMetrics metrics, IOptions<LatchkeyOptions> options, TimeProvider time, ILogger<AuditLog> logger)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(options);
        this.store = store;
        this.metrics = metrics;
        this.time = time;
        this.logger = logger;
        queue = new AuditQueue(options.Value.AuditQueueCapacity);
        metrics.ObserveAuditQueueDepth(() => queue.Depth);
    }

    public AuditEvent Event(HttpContext http, string action, string outcome, TokenGrant? actor = null,
        string? targetType = null, string? targetId = null, string? detail = null, Guid? organizationId = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var userAgent = http.Request.Headers.UserAgent.ToString();
        return new AuditEvent
        {
            Time = time.GetUtcNow(),
            OrganizationId = organizationId ?? actor?.OrganizationId,
            ActorUserId = actor?.UserId,
            ActorEmail = actor?.Email,
            // A console session acts without a token: its grant's token id is empty.
            ActorTokenId = string.IsNullOrEmpty(actor?.TokenId) ? null : actor.TokenId,
            Action = action,
            Outcome = outcome,
            TargetType = targetType,
            TargetId = targetId,
            SourceAddress = http.Connection.RemoteIpAddress?.ToString(),
            UserAgent = userAgent.Length > 256 ? userAgent[..256] : (userAgent.Length == 0 ? null : userAgent),
            Detail = Clip(detail),
        };
    }

    /// <summary>An event of the server's own doing (a background job): no request, so no address or user agent.</summary>
    public AuditEvent Event(string action, string outcome, Guid? organizationId, string? targetType = null, string? targetId = null, string? detail = null) => new()
    {
        Time = time.GetUtcNow(),
        OrganizationId = organizationId,
        Action = action,
        Outcome = outcome,
        TargetType = targetType,
        TargetId = targetId,
        Detail = Clip(detail),
    };

    public static string? Clip(string? detail) => detail is { Length: > 500 } ? detail[..500] : detail;

    /// <summary>
    /// Counts a failure that may repeat into the queue, to be written within about a second. Never
    /// blocks; when the queue is full and holds nothing like it, the event is counted as dropped.
    /// </summary>
    public void Tally(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        if (queue.Add(auditEvent))
        {
            return;
        }

        metrics.AuditEventsDropped(auditEvent.Count);
        lock (reporting)
        {
            unreportedDrops += auditEvent.Count;
        }

        ReportDrops();
    }

    /// <summary>
    /// Writes every tallied event. Readers of the audit log call this first, so they see what
    /// happened. When the store does not take them, they stay queued for the next attempt and this throws.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (queue.Depth == 0)
        {
            return;
        }

        await flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var batch = queue.Take();
            if (batch.Count == 0)
            {
                return;
            }

            try
            {
                var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
                await using (db.ConfigureAwait(false))
                {
                    db.AuditEvents.AddRange(batch);
                    await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch
            {
                // Kept for the next attempt: the store may be back by then.
                queue.Return(batch);
                throw;
            }

            queue.Written(batch);
        }
        finally
        {
            flushing.Release();
        }
    }

    /// <summary>Logs the drops not logged yet, unless a line went out less than a minute ago (the counter has them all).</summary>
    public void ReportDrops()
    {
        long dropped;
        lock (reporting)
        {
            var now = time.GetUtcNow();
            if (unreportedDrops == 0 || now - dropsReported < LogEvery)
            {
                return;
            }

            dropped = unreportedDrops;
            unreportedDrops = 0;
            dropsReported = now;
        }

        Log.AuditEventsDropped(logger, dropped);
    }

    /// <summary>A write that failed: logged at most once a minute, since the writer tries again every second.</summary>
    public void ReportWriteFailure(Exception exception)
    {
        lock (reporting)
        {
            var now = time.GetUtcNow();
            if (now - failureReported < LogEvery)
            {
                return;
            }

            failureReported = now;
        }

        Log.AuditWriteFailed(logger, queue.Depth, exception);
    }

    public void Dispose() => flushing.Dispose();
}
