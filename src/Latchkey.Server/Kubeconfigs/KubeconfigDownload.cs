using Latchkey.Core.Tokens;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Clusters;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Kubeconfigs;

/// <summary>
/// A kubeconfig for a token that was just created. The secret is not stored, so it comes back
/// with the request; it must be one of the caller's own live tokens, and the cluster one the
/// caller may use. The download is audited (by token id, never the secret).
/// </summary>
internal sealed class KubeconfigDownload(TokenKeyRing keys, ClusterRegistry clusters, AuditLog audit, TimeProvider time)
{
    /// <returns>The file name and content, or null when the token or the cluster is not the caller's to use.</returns>
    public async Task<(string FileName, string Content)?> BuildAsync(
        LatchkeyDbContext db, HttpContext http, Caller caller, string? secret, string? clusterName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        if (secret is null || !TokenFormat.IsWellFormed(secret))
        {
            return null;
        }

        var digest = keys.Digest(secret).ToArray();
        var now = time.GetUtcNow();
        var token = await db.AccessTokens.AsNoTracking()
            .SingleOrDefaultAsync(t => t.SecretDigest == digest && t.DigestKeyId == keys.CurrentKeyId && t.UserId == caller.UserId
                && t.RevokedAt == null && (t.ExpiresAt == null || t.ExpiresAt > now), cancellationToken).ConfigureAwait(false);
        var cluster = token is null ? null
            : (await clusters.VisibleAsync(db, caller, cancellationToken).ConfigureAwait(false)).SingleOrDefault(c => c.Name == clusterName);
        if (token is null || cluster is null)
        {
            return null;
        }

        db.AuditEvents.Add(audit.Event(http, "kubeconfig.download", "success", caller.Grant, "token", token.Id, $"cluster {cluster.Name}"));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return (KubeconfigAttachment.FileName(cluster.Name), KubeconfigAttachment.Build(cluster, token.Id, token.Name, secret));
    }
}
