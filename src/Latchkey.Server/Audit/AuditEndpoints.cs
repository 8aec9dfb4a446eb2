using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Audit;

internal static class AuditEndpoints
{
    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", List).WithTags("Audit")
            .WithSummary("The organization's audit log, newest first (needs audit:read). Filters: action, actor (email), since.");
        api.MapGet("/audit/export", ExportAsync).WithTags("Audit")
            .WithSummary("The whole audit log as JSON lines, oldest first (needs audit:read), for a SIEM or an archive. Filter: since.");
        return api;
    }

    /// <summary>Streams in batches, so a long log never sits in memory at once.</summary>
    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ExportAsync(
        Caller caller, LatchkeyDbContext db, AccessEvaluator access, AuditLog audit, HttpContext http, DateTimeOffset? since, CancellationToken cancellationToken)
    {
        if (!await access.HasAsync(caller, Permissions.AuditRead, cancellationToken: cancellationToken))
        {
            return Problems.Forbidden("Exporting the audit log needs the org-admin role.");
        }

        await audit.FlushAsync(cancellationToken);
        http.Response.ContentType = "application/x-ndjson; charset=utf-8";
        var after = 0L;
        while (true)
        {
            var query = db.AuditEvents.AsNoTracking().Where(e => e.OrganizationId == caller.OrganizationId && e.Id > after);
            if (since is { } from)
            {
                query = query.Where(e => e.Time >= from);
            }

            var batch = await query.OrderBy(e => e.Id).Take(1000).ToListAsync(cancellationToken);
            foreach (var e in batch)
            {
                var line = JsonSerializer.Serialize(new AuditEventInfo(e.Id, e.Time, e.Action, e.Outcome,
                    new AuditActor(e.ActorUserId, e.ActorEmail, e.ActorTokenId), e.TargetType, e.TargetId, e.SourceAddress, e.UserAgent, e.Detail), Json);
                await http.Response.WriteAsync(line + "\n", cancellationToken);
            }

            if (batch.Count < 1000)
            {
                return TypedResults.Empty;
            }

            after = batch[^1].Id;
        }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static async Task<Results<Ok<Page<AuditEventInfo>>, ValidationProblem, ProblemHttpResult>> List(
        Caller caller, LatchkeyDbContext db, AccessEvaluator access, AuditQuery query,
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

        if (!AuditQuery.TryParseCursor(cursor, out var before))
        {
            return Problems.Invalid("cursor", "cursor is not one this server handed out; start again without it.");
        }

        return TypedResults.Ok(await query.ReadAsync(db, caller.OrganizationId, new AuditFilter(action, actor, since, null, before), pageSize, cancellationToken));
    }
}
