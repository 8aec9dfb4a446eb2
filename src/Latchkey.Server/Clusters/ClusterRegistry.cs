using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Data;
using Latchkey.Server.ClusterAuth;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Clusters;

internal enum ClusterRefusal
{
    None,
    Forbidden,
    Invalid,
    Conflict,
    NotFound,
}

/// <summary>The outcome of a change: the cluster, or why it was refused (and, when invalid, the field at fault).</summary>
internal sealed record ClusterChange(Cluster? Cluster, ClusterRefusal Refusal = ClusterRefusal.None, string? Field = null, string? Message = null);

/// <summary>Registering and removing clusters, from the API and the console: the rules, the row and its audit event together.</summary>
internal sealed class ClusterRegistry(AccessEvaluator access, ChangeFeed changes, AuditLog audit, TimeProvider time, Microsoft.Extensions.Options.IOptions<LatchkeyOptions> options)
{
    public async Task<ClusterChange> CreateAsync(LatchkeyDbContext db, HttpContext http, Caller caller, CreateClusterRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (!await access.HasAsync(caller, Permissions.ClustersManage, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            db.AuditEvents.Add(audit.Event(http, "cluster.create", "denied", caller.Grant, "cluster", Truncate(request.Name)));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return new ClusterChange(null, ClusterRefusal.Forbidden, Message: "Registering clusters needs the org-admin role.");
        }

        if (ClusterRules.Check(request, options.Value.AllowHttpClusterServers) is var (field, message))
        {
            return new ClusterChange(null, ClusterRefusal.Invalid, field, message);
        }

        var name = request.Name!;
        if (await db.Clusters.AnyAsync(c => c.OrganizationId == caller.OrganizationId && c.Name == name, cancellationToken).ConfigureAwait(false))
        {
            return new ClusterChange(null, ClusterRefusal.Conflict, "name", $"A cluster named '{name}' already exists in your organization.");
        }

        var server = request.Server!.Trim().TrimEnd('/');
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
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return new ClusterChange(cluster);
    }

    /// <summary>Removes the cluster, the policies scoped to it and (by cascade) its webhook credentials.</summary>
    public async Task<ClusterChange> RemoveAsync(LatchkeyDbContext db, HttpContext http, Caller caller, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        // The right first, the name second: without clusters:manage every name gets the same answer,
        // so a member cannot learn which clusters exist by trying to remove them.
        if (!await access.HasAsync(caller, Permissions.ClustersManage, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            db.AuditEvents.Add(audit.Event(http, "cluster.delete", "denied", caller.Grant, "cluster", Truncate(name)));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return new ClusterChange(null, ClusterRefusal.Forbidden, Message: "Removing clusters needs the org-admin role.");
        }

        var cluster = await db.Clusters.SingleOrDefaultAsync(c => c.OrganizationId == caller.OrganizationId && c.Name == name, cancellationToken).ConfigureAwait(false);
        if (cluster is null)
        {
            db.AuditEvents.Add(audit.Event(http, "cluster.delete", "denied", caller.Grant, "cluster", Truncate(name), "no such cluster"));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return new ClusterChange(null, ClusterRefusal.NotFound);
        }

        db.Clusters.Remove(cluster);
        db.AccessPolicies.RemoveRange(db.AccessPolicies.Where(p => p.ScopeType == PolicyScopeType.Cluster && p.ScopeId == cluster.Id));
        db.AuditEvents.Add(audit.Event(http, "cluster.delete", "success", caller.Grant, "cluster", cluster.Name));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await changes.ClusterChangedAsync(cluster.Id).ConfigureAwait(false);
        return new ClusterChange(cluster);
    }

    /// <summary>The clusters the caller may use (clusters:view on the organization or on that cluster), by name.</summary>
    public async Task<List<Cluster>> VisibleAsync(LatchkeyDbContext db, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var visible = await access.ClustersWithAsync(caller, Permissions.ClustersView, cancellationToken).ConfigureAwait(false);
        var query = db.Clusters.AsNoTracking().Where(c => c.OrganizationId == caller.OrganizationId);
        if (visible is not null)
        {
            query = query.Where(c => visible.Contains(c.Id));
        }

        return await query.OrderBy(c => c.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string? Truncate(string? text) => text is { Length: > 63 } ? text[..63] : text;
}
