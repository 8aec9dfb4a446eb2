using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Clusters;

internal static class ClusterEndpoints
{
    public static RouteGroupBuilder MapClusters(this RouteGroupBuilder api)
    {
        var clusters = api.MapGroup("/clusters").WithTags("Clusters");
        clusters.MapGet("/", List).WithSummary("The clusters you may use.");
        clusters.MapPost("/", Create).WithSummary("Register a cluster (needs clusters:manage).");
        clusters.MapDelete("/{name}", Delete).WithSummary("Remove a cluster (needs clusters:manage).");
        return api;
    }

    private static async Task<Ok<List<ClusterInfo>>> List(Caller caller, LatchkeyDbContext db, AccessEvaluator access, CancellationToken cancellationToken)
    {
        var visible = await access.ClustersWithAsync(caller, Permissions.ClustersView, cancellationToken);
        var query = db.Clusters.AsNoTracking().Where(c => c.OrganizationId == caller.OrganizationId);
        if (visible is not null)
        {
            query = query.Where(c => visible.Contains(c.Id));
        }

        var clusters = await query.OrderBy(c => c.Name).ToListAsync(cancellationToken);
        return TypedResults.Ok(clusters.Select(UsableClusters.Describe).ToList());
    }

    private static async Task<Results<Created<ClusterInfo>, ValidationProblem, ProblemHttpResult>> Create(
        CreateClusterRequest request, Caller caller, LatchkeyDbContext db, AccessEvaluator access, AuditLog audit,
        TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!await access.HasAsync(caller, Permissions.ClustersManage, cancellationToken: cancellationToken))
        {
            db.AuditEvents.Add(audit.Event(http, "cluster.create", "denied", caller.Grant, "cluster", Truncate(request.Name)));
            await db.SaveChangesAsync(cancellationToken);
            return Problems.Forbidden("Registering clusters needs the org-admin role.");
        }

        if (ClusterRules.Check(request) is var (field, message))
        {
            return Problems.Invalid(field, message);
        }

        var name = request.Name!;
        if (await db.Clusters.AnyAsync(c => c.OrganizationId == caller.OrganizationId && c.Name == name, cancellationToken))
        {
            return Problems.Conflict($"A cluster named '{name}' already exists in your organization.");
        }

        var server = request.Server!.TrimEnd('/');
        var cluster = new Cluster
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = caller.OrganizationId,
            Name = name,
            Zone = string.IsNullOrWhiteSpace(request.Zone) ? null : request.Zone.Trim(),
            Server = server,
            CertificateAuthorityData = string.IsNullOrWhiteSpace(request.CertificateAuthorityData) ? null : request.CertificateAuthorityData.Trim(),
            Audience = string.IsNullOrWhiteSpace(request.Audience) ? server : request.Audience.Trim(),
            DefaultNamespace = string.IsNullOrWhiteSpace(request.DefaultNamespace) ? "default" : request.DefaultNamespace,
            CreatedAt = time.GetUtcNow(),
        };
        db.Clusters.Add(cluster);
        db.AuditEvents.Add(audit.Event(http, "cluster.create", "success", caller.Grant, "cluster", cluster.Name, cluster.Server));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/clusters/{cluster.Name}", UsableClusters.Describe(cluster));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string name, Caller caller, LatchkeyDbContext db, AccessEvaluator access, ChangeFeed changes,
        AuditLog audit, HttpContext http, CancellationToken cancellationToken)
    {
        var cluster = await db.Clusters.SingleOrDefaultAsync(c => c.OrganizationId == caller.OrganizationId && c.Name == name, cancellationToken);
        if (cluster is null)
        {
            db.AuditEvents.Add(audit.Event(http, "cluster.delete", "denied", caller.Grant, "cluster", Truncate(name), "no such cluster"));
            await db.SaveChangesAsync(cancellationToken);
            return Problems.NotFound("cluster");
        }

        if (!await access.HasAsync(caller, Permissions.ClustersManage, cancellationToken: cancellationToken))
        {
            db.AuditEvents.Add(audit.Event(http, "cluster.delete", "denied", caller.Grant, "cluster", cluster.Name));
            await db.SaveChangesAsync(cancellationToken);
            return Problems.Forbidden("Removing clusters needs the org-admin role.");
        }

        db.Clusters.Remove(cluster);
        db.AccessPolicies.RemoveRange(db.AccessPolicies.Where(p => p.ScopeType == PolicyScopeType.Cluster && p.ScopeId == cluster.Id));
        db.AuditEvents.Add(audit.Event(http, "cluster.delete", "success", caller.Grant, "cluster", cluster.Name));
        await db.SaveChangesAsync(cancellationToken);
        await changes.ClusterChangedAsync(cluster.Id);
        return TypedResults.NoContent();
    }

    private static string? Truncate(string? text) => text is { Length: > 63 } ? text[..63] : text;
}
