using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.ClusterAuth;

/// <summary>
/// How an API server is wired to Latchkey, for the API and the console alike: a new webhook
/// credential with the two webhook config files and flags (shown once), and RBAC bindings.
/// </summary>
internal sealed class WebhookWiring(AccessEvaluator access, WebhookCallers callers, AuditLog audit, IOptions<LatchkeyOptions> options)
{
    public const string AuthenticationFile = "/etc/kubernetes/latchkey-authn-webhook.yaml";
    public const string AuthorizationFile = "/etc/kubernetes/latchkey-authz-webhook.yaml";

    /// <summary>Issues a webhook credential. Null when the cluster is not the caller's organization's; Denied without clusters:manage.</summary>
    public async Task<(WebhookConfig? Config, bool Denied)> IssueAsync(
        LatchkeyDbContext db, HttpContext http, Caller caller, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(caller);
        // The right before the name: without clusters:manage no name is looked up, so none is confirmed.
        if (!await access.HasAsync(caller, Permissions.ClustersManage, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return (null, true);
        }

        var cluster = await db.Clusters.SingleOrDefaultAsync(c => c.OrganizationId == caller.OrganizationId && c.Name == name, cancellationToken).ConfigureAwait(false);
        if (cluster is null)
        {
            return (null, false);
        }

        var (credential, secret) = callers.Issue(cluster, caller.UserId);
        db.ClusterCredentials.Add(credential);
        db.AuditEvents.Add(audit.Event(http, "webhook-credential.create", "success", caller.Grant, "cluster", cluster.Name,
            $"credential {credential.Id}, expires {credential.ExpiresAt:yyyy-MM-dd HH:mm} UTC"));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);

        var baseUrl = (options.Value.PublicUrl ?? $"{http.Request.Scheme}://{http.Request.Host}").TrimEnd('/');
        var ca = options.Value.PublicCertificateAuthorityData;
        return (new WebhookConfig(
            cluster.Name,
            Kubeconfig(cluster.Name, $"{baseUrl}/apis/{TokenReviewEndpoints.Group}/v1/tokenreviews", ca, secret, "authentication"),
            Kubeconfig(cluster.Name, $"{baseUrl}/apis/{SubjectAccessReviewEndpoints.Group}/v1/subjectaccessreviews", ca, secret, "authorization"),
            [
                $"--authentication-token-webhook-config-file={AuthenticationFile}",
                "--authentication-token-webhook-version=v1",
                // kube-apiserver caches webhook answers (2 min for tokens, 5 min for allowed reviews by default):
                // that cache, not Latchkey, would decide how long a revoked token keeps working.
                "--authentication-token-webhook-cache-ttl=10s",
                $"--authorization-webhook-config-file={AuthorizationFile}",
                "--authorization-webhook-version=v1",
                "--authorization-webhook-cache-authorized-ttl=10s",
                "--authorization-webhook-cache-unauthorized-ttl=10s",
                "--authorization-mode=Node,Webhook,RBAC",
                $"--api-audiences=<your service account issuer>,{cluster.Audience}",
            ]), false);
    }

    /// <summary>ClusterRoleBindings that give Latchkey's role groups cluster-admin and view.</summary>
    public static string Rbac(string cluster) => $"""
            # RBAC for cluster {cluster}: Latchkey's TokenReview answers put users with a Latchkey role on
            # this cluster into these groups. Apply with: kubectl apply -f <this file>
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: latchkey-cluster-admins
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: cluster-admin
            subjects:
            - apiGroup: rbac.authorization.k8s.io
              kind: Group
              name: latchkey:cluster-admin
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: latchkey-cluster-viewers
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: view
            subjects:
            - apiGroup: rbac.authorization.k8s.io
              kind: Group
              name: latchkey:cluster-viewer

            """;

    private static string Kubeconfig(string cluster, string endpoint, string? certificateAuthorityData, string secret, string purpose) => $"""
        # Latchkey {purpose} webhook for cluster {cluster}. Holds a credential: keep it 0600 on the API server nodes.
        apiVersion: v1
        kind: Config
        clusters:
        - name: latchkey
          cluster:
            server: {endpoint}{(certificateAuthorityData is null ? "" : $"\n    certificate-authority-data: {certificateAuthorityData}")}
        users:
        - name: {cluster}
          user:
            token: {secret}
        contexts:
        - name: webhook
          context:
            cluster: latchkey
            user: {cluster}
        current-context: webhook

        """;
}
