using System.Threading.Channels;
using Latchkey.Data;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Audit;

/// <summary>
/// Builds audit events and writes the ones that have no unit of work of their own (failed
/// authentication) in the background, in batches. Events that go with a change are added to
/// that change's <see cref="LatchkeyDbContext"/> instead, so both commit or neither does.
/// </summary>
internal sealed class AuditLog(IDbContextFactory<LatchkeyDbContext> store, TimeProvider time, ILogger<AuditLog> logger) : IDisposable
{
    private const int Capacity = 10_000;

    private readonly Channel<AuditEvent> queue = Channel.CreateBounded<AuditEvent>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = false });

    private readonly SemaphoreSlim flushing = new(1, 1);

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

    /// <summary>Queues an event to be written soon. Never blocks; when the queue is full the event is dropped and logged.</summary>
    public void Enqueue(AuditEvent auditEvent)
    {
        if (!queue.Writer.TryWrite(auditEvent))
        {
            Log.AuditEventDropped(logger, auditEvent.Action);
        }
    }

    /// <summary>Writes every queued event. Readers of the audit log call this first, so they see what happened.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (!queue.Reader.TryPeek(out _))
        {
            return;
        }

        await flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var batch = new List<AuditEvent>();
            while (queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

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
                // Keep the events for the next attempt (the store may be back by then).
                foreach (var item in batch)
                {
                    item.Id = 0;
                    Enqueue(item);
                }

                throw;
            }
        }
        finally
        {
            flushing.Release();
        }
    }

    public void Dispose() => flushing.Dispose();
}
