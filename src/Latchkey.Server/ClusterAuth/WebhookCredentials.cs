using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.ClusterAuth;

/// <summary>
/// A cluster's webhook credentials, for its admins (clusters:manage), from the API, the CLI and the
/// console: listed without their secrets, and revoked one at a time. A revoked credential stops at
/// the very next review on every replica (the change feed makes each forget the cluster's callers).
/// Another organization's cluster or credential is not found, and a refused attempt is audited.
/// </summary>
internal sealed class WebhookCredentials(
    AccessEvaluator access, WebhookCallers callers, WebhookCredentialUses uses, ChangeFeed changes, AuditLog audit, TimeProvider time,
    ILogger<WebhookCredentials> logger)
{
    public const string RevokeAction = "webhook-credential.revoke";

    private static readonly Refused NoSuchCluster = Refused.NotFound("No cluster with that name exists in your organization.");
    private static readonly Refused NoSuchCredential = Refused.NotFound("This cluster has no webhook credential with that id.");
    private static readonly Refused NotAllowed = Refused.Forbidden("Managing a cluster's webhook credentials needs the org-admin role.");

    /// <summary>The cluster's credentials, oldest first.</summary>
    public async Task<Outcome<List<WebhookCredentialInfo>>> ListAsync(LatchkeyDbContext db, Caller caller, string clusterName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var (cluster, refused) = await FindClusterAsync(db, caller, clusterName, cancellationToken).ConfigureAwait(false);
        if (cluster is null)
        {
            return refused!;
        }

        var rows = await db.ClusterCredentials.AsNoTracking().Where(c => c.ClusterId == cluster.Id).OrderBy(c => c.CreatedAt).ThenBy(c => c.Id)
            .Select(c => new
            {
                Credential = c,
                CreatedBy = db.Users.Where(u => u.Id == c.CreatedByUserId).Select(u => u.Email).FirstOrDefault(),
                RevokedBy = db.Users.Where(u => u.Id == c.RevokedByUserId).Select(u => u.Email).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        return rows.Select(r => Describe(r.Credential, r.CreatedBy, r.RevokedBy, now)).ToList();
    }

    /// <summary>Revokes one credential of the cluster. Null when it is revoked (by this call or before); else why not.</summary>
    public async Task<Refused?> RevokeAsync(LatchkeyDbContext db, HttpContext http, Caller caller, string clusterName, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var (cluster, refused) = await FindClusterAsync(db, caller, clusterName, cancellationToken).ConfigureAwait(false);
        if (cluster is null)
        {
            return await audit.DeniedAsync(db, http, caller, RevokeAction, "cluster", Truncate(clusterName), refused!, cancellationToken).ConfigureAwait(false);
        }

        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            if (!await RevokeOneAsync(db, cluster.Id, id, caller.UserId, cancellationToken).ConfigureAwait(false))
            {
                // Revoked before (audited then): nothing to do. Unknown here: the same answer as another organization's.
                var exists = await db.ClusterCredentials.AnyAsync(c => c.Id == id && c.ClusterId == cluster.Id, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return exists ? null
                    : await audit.DeniedAsync(db, http, caller, RevokeAction, "cluster", cluster.Name, NoSuchCredential, cancellationToken).ConfigureAwait(false);
            }

            db.AuditEvents.Add(audit.Event(http, RevokeAction, "success", caller.Grant, "cluster", cluster.Name, $"credential {id}"));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        Log.WebhookCredentialRevoked(logger, id, cluster.Id, caller.UserId);
        await changes.ClusterChangedAsync(cluster.Id).ConfigureAwait(false);
        return null;
    }

    /// <summary>The cluster of that name in the caller's organization, if the caller may manage it.</summary>
    public async Task<(Cluster? Cluster, Refused? Refused)> FindClusterAsync(LatchkeyDbContext db, Caller caller, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        // The right before the name: without clusters:manage no name is looked up, so none is confirmed.
        if (!await access.HasAsync(caller, Permissions.ClustersManage, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return (null, NotAllowed);
        }

        var cluster = await db.Clusters.AsNoTracking().SingleOrDefaultAsync(c => c.OrganizationId == caller.OrganizationId && c.Name == name, cancellationToken)
            .ConfigureAwait(false);
        return cluster is null ? (null, NoSuchCluster) : (cluster, null);
    }

    /// <summary>A conditional update: only a credential not yet revoked is, so that two revocations change (and audit) it once.</summary>
    private async Task<bool> RevokeOneAsync(LatchkeyDbContext db, Guid clusterId, Guid id, Guid byUserId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await db.ClusterCredentials.Where(c => c.Id == id && c.ClusterId == clusterId && c.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.RevokedAt, now).SetProperty(c => c.RevokedByUserId, byUserId), cancellationToken)
            .ConfigureAwait(false) == 1;
    }

    private WebhookCredentialInfo Describe(ClusterCredential c, string? createdBy, string? revokedBy, DateTimeOffset now)
    {
        var expiresAt = callers.ExpiresAt(c);
        var lastUsed = uses.Pending(c.Id) is { } pending && (c.LastUsedAt is null || pending > c.LastUsedAt) ? pending : c.LastUsedAt;
        var status = c.RevokedAt is not null ? "revoked" : expiresAt <= now ? "expired" : "active";
        return new WebhookCredentialInfo(c.Id, c.CreatedAt, createdBy, expiresAt, lastUsed, c.RevokedAt, revokedBy, status);
    }

    private static string Truncate(string text) => text.Length > 63 ? text[..63] : text;
}
