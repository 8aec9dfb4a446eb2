using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Audit;

internal static class AuditEndpoints
{
    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", List).WithTags("Audit")
            .WithSummary("The organization's audit log, newest first (needs audit:read). Filters: action, actor (email), since.");
        return api;
    }

    private static async Task<Results<Ok<Page<AuditEventInfo>>, ValidationProblem, ProblemHttpResult>> List(
        Caller caller, LatchkeyDbContext db, AccessEvaluator access, AuditLog audit,
        string? action, string? actor, DateTimeOffset? since, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        if (!await access.HasAsync(caller, Permissions.AuditRead, cancellationToken: cancellationToken))
        {
            return Problems.Forbidden("Reading the audit log needs the org-admin role.");
        }

        var pageSize = limit ?? 100;
        if (pageSize is < 1 or > 500)
        {
            return Problems.Invalid("limit", "limit must be between 1 and 500.");
        }

        long before = long.MaxValue;
        if (cursor is not null && (!long.TryParse(cursor, out before) || before < 1))
        {
            return Problems.Invalid("cursor", "cursor is not one this server handed out; start again without it.");
        }

        // Events queued in the background (failed sign-ins with a token, say) are written before reading.
        await audit.FlushAsync(cancellationToken);

        var query = db.AuditEvents.AsNoTracking().Where(e => e.OrganizationId == caller.OrganizationId && e.Id < before);
        if (!string.IsNullOrEmpty(action))
        {
            query = query.Where(e => e.Action == action);
        }

        if (!string.IsNullOrEmpty(actor))
        {
            query = query.Where(e => e.ActorEmail == actor);
        }

        if (since is { } from)
        {
            query = query.Where(e => e.Time >= from);
        }

        var rows = await query.OrderByDescending(e => e.Id).Take(pageSize + 1).ToListAsync(cancellationToken);
        var items = rows.Take(pageSize).Select(e => new AuditEventInfo(e.Id, e.Time, e.Action, e.Outcome,
            new AuditActor(e.ActorUserId, e.ActorEmail, e.ActorTokenId), e.TargetType, e.TargetId, e.SourceAddress, e.UserAgent, e.Detail)).ToList();
        var next = rows.Count > pageSize ? rows[pageSize - 1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return TypedResults.Ok(new Page<AuditEventInfo>(items, next));
    }
}
