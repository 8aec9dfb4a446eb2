using System.Text.Json;
using Latchkey.Core.Contracts;
using Latchkey.Data;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Audit;

/// <summary>Which events an export holds. No organization means every event, those tied to none included.</summary>
internal sealed record AuditExportFilter(Guid? OrganizationId, DateTimeOffset? Since, DateTimeOffset? Until);

/// <summary>
/// The audit log as JSON lines, oldest first: one writer for <c>GET /api/v1/audit/export</c> and
/// <c>latchkey-server audit export</c>, so that both give the same bytes for the same events.
/// </summary>
internal static class AuditExport
{
    public const string ContentType = "application/x-ndjson; charset=utf-8";
    private const int BatchSize = 1000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly byte[] LineEnd = [(byte)'\n'];

    public static AuditEventInfo Describe(AuditEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new AuditEventInfo(e.Id, e.Time, e.Action, e.Outcome,
            new AuditActor(e.ActorUserId, e.ActorEmail, e.ActorTokenId), e.TargetType, e.TargetId, e.SourceAddress, e.UserAgent, e.Detail, e.Count);
    }

    /// <summary>Streams in batches by event id, so a long log never sits in memory at once. Returns the number of lines.</summary>
    public static async Task<long> WriteAsync(LatchkeyDbContext db, AuditExportFilter filter, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(output);
        var after = 0L;
        var lines = 0L;
        while (true)
        {
            var query = db.AuditEvents.AsNoTracking().Where(e => e.Id > after);
            if (filter.OrganizationId is { } organization)
            {
                query = query.Where(e => e.OrganizationId == organization);
            }

            if (filter.Since is { } from)
            {
                query = query.Where(e => e.Time >= from);
            }

            if (filter.Until is { } to)
            {
                query = query.Where(e => e.Time < to);
            }

            var batch = await query.OrderBy(e => e.Id).Take(BatchSize).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var e in batch)
            {
                await output.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(Describe(e), Json), cancellationToken).ConfigureAwait(false);
                await output.WriteAsync(LineEnd, cancellationToken).ConfigureAwait(false);
            }

            lines += batch.Count;
            if (batch.Count < BatchSize)
            {
                return lines;
            }

            after = batch[^1].Id;
        }
    }
}
