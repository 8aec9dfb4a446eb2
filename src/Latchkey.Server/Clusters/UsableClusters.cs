using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Clusters;

/// <summary>The clusters a caller may use: those of their organization on which they hold clusters:view.</summary>
internal static class UsableClusters
{
    /// <summary>The cluster, or null when it does not exist or the caller may not use it (the two look the same to the caller).</summary>
    public static async Task<Cluster?> FindAsync(LatchkeyDbContext db, AccessEvaluator access, Caller caller, string name, CancellationToken cancellationToken)
    {
        var cluster = await db.Clusters.AsNoTracking()
            .SingleOrDefaultAsync(c => c.OrganizationId == caller.OrganizationId && c.Name == name, cancellationToken).ConfigureAwait(false);
        return cluster is not null && await access.HasAsync(caller, Permissions.ClustersView, cluster.Id, cancellationToken).ConfigureAwait(false)
            ? cluster
            : null;
    }

    public static ClusterInfo Describe(Cluster c) =>
        new(c.Name, c.Zone, c.Server, c.CertificateAuthorityData, c.Audience, c.DefaultNamespace, c.CreatedAt);
}
