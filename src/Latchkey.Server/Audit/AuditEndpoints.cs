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
        api.MapGet("/audit/export", ExportAsync).WithTags("Audit")
            .WithSummary("The whole audit log as JSON lines, oldest first (needs audit:read), for a SIEM or an archive. Filters: since, until (UTC, until exclusive).");
        return api;
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> ExportAsync(
        Caller caller, LatchkeyDbContext db, AccessEvaluator access, AuditLog audit, HttpContext http,
        DateTimeOffset? since, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        if (!await access.HasAsync(caller, Permissions.AuditRead, cancellationToken: cancellationToken))
        {
            return Problems.Forbidden("Exporting the audit log needs the org-admin role.");
        }

        await audit.FlushAsync(cancellationToken);
        http.Response.ContentType = AuditExport.ContentType;
        await AuditExport.WriteAsync(db, new AuditExportFilter(caller.OrganizationId, since, until), http.Response.Body, cancellationToken);
        return TypedResults.Empty;
    }

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
