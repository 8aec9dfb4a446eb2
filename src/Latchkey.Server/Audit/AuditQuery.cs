using System.Globalization;
using Latchkey.Core.Contracts;
using Latchkey.Data;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Audit;

/// <summary>What to read from the audit log. <see cref="Before"/> is the paging position (an event id).</summary>
internal sealed record AuditFilter(string? Action, string? Actor, DateTimeOffset? Since, DateTimeOffset? Until, long Before = long.MaxValue);

/// <summary>One organization's audit log, newest first, paged by event id; for the API and the console.</summary>
internal sealed class AuditQuery(AuditLog audit)
{
    public static bool TryParseCursor(string? text, out long before)
    {
        before = long.MaxValue;
        return text is null || (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out before) && before >= 1);
    }

    public async Task<Page<AuditEventInfo>> ReadAsync(LatchkeyDbContext db, Guid organizationId, AuditFilter filter, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(filter);
        // Events queued in the background (failed sign-ins with a token, say) are written before reading.
        await audit.FlushAsync(cancellationToken).ConfigureAwait(false);

        var query = db.AuditEvents.AsNoTracking().Where(e => e.OrganizationId == organizationId && e.Id < filter.Before);
        if (!string.IsNullOrEmpty(filter.Action))
        {
            query = query.Where(e => e.Action == filter.Action);
        }

        if (!string.IsNullOrEmpty(filter.Actor))
        {
            query = query.Where(e => e.ActorEmail == filter.Actor);
        }

        if (filter.Since is { } from)
        {
            query = query.Where(e => e.Time >= from);
        }

        if (filter.Until is { } to)
        {
            query = query.Where(e => e.Time < to);
        }

        var rows = await query.OrderByDescending(e => e.Id).Take(pageSize + 1).ToListAsync(cancellationToken).ConfigureAwait(false);
        var items = rows.Take(pageSize).Select(AuditExport.Describe).ToList();
        var next = rows.Count > pageSize ? rows[pageSize - 1].Id.ToString(CultureInfo.InvariantCulture) : null;
        return new Page<AuditEventInfo>(items, next);
    }
}
