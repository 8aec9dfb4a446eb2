using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Clusters;
using Latchkey.Server.Verification;

namespace Latchkey.Server.Kubeconfigs;

/// <summary>
/// A kubeconfig for a token that was just created. The secret is not stored, so it comes back
/// with the request; it must be one of the caller's own live tokens, and the cluster one the
/// caller may use. The download is audited (by token id, never the secret).
/// </summary>
internal sealed class KubeconfigDownload(TokenVerifier verifier, ClusterRegistry clusters, AuditLog audit)
{
    /// <returns>The file name and content, or null when the token or the cluster is not the caller's to use.</returns>
    public async Task<(string FileName, string Content)?> BuildAsync(
        LatchkeyDbContext db, HttpContext http, Caller caller, string? secret, string? clusterName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        // The verifier's rules, not a query of its own: a token that would fail at any door gets no kubeconfig either.
        var verified = await verifier.InspectAsync(secret, http.Connection.RemoteIpAddress).ConfigureAwait(false);
        var token = verified.Grant is { } grant && grant.UserId == caller.UserId ? grant : null;
        var cluster = token is null ? null
            : (await clusters.VisibleAsync(db, caller, cancellationToken).ConfigureAwait(false)).SingleOrDefault(c => c.Name == clusterName);
        if (token is null || cluster is null)
        {
            return null;
        }

        db.AuditEvents.Add(audit.Event(http, "kubeconfig.download", "success", caller.Grant, "token", token.TokenId, $"cluster {cluster.Name}"));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return (KubeconfigAttachment.FileName(cluster.Name), KubeconfigAttachment.Build(cluster, token.TokenId, token.TokenName, secret!));
    }
}
