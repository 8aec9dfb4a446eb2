using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.ClusterAuth;

/// <summary>Wiring help: the webhook config files and API server flags, and RBAC bindings for the role groups.</summary>
internal static class WebhookConfigEndpoints
{
    public const string AuthenticationFile = "/etc/kubernetes/latchkey-authn-webhook.yaml";
    public const string AuthorizationFile = "/etc/kubernetes/latchkey-authz-webhook.yaml";

    public static RouteGroupBuilder MapWebhookConfig(this RouteGroupBuilder api)
    {
        api.MapGet("/clusters/{name}/webhook-config", GetConfigAsync).WithTags("Clusters")
            .WithSummary("Issue a webhook credential for the cluster and return the API server's webhook config files and flags (needs clusters:manage).");
        api.MapGet("/clusters/{name}/rbac", GetRbacAsync).WithTags("Clusters")
            .WithSummary("ClusterRoleBindings that give the Latchkey role groups cluster-admin and view, for clusters that use RBAC.");
        return api;
    }

    private static async Task<Results<Ok<WebhookConfig>, ProblemHttpResult>> GetConfigAsync(
        string name, Caller caller, LatchkeyDbContext db, AccessEvaluator access, WebhookCallers callers, AuditLog audit,
        IOptions<LatchkeyOptions> options, HttpContext http, CancellationToken cancellationToken)
    {
        var cluster = await db.Clusters.SingleOrDefaultAsync(c => c.OrganizationId == caller.OrganizationId && c.Name == name, cancellationToken);
        if (cluster is null)
        {
            return Problems.NotFound("cluster");
        }

        if (!await access.HasAsync(caller, Permissions.ClustersManage, cancellationToken: cancellationToken))
        {
            return Problems.Forbidden("Wiring a cluster needs the org-admin role.");
        }

        var (credential, secret) = callers.Issue(cluster, caller.UserId);
        db.ClusterCredentials.Add(credential);
        db.AuditEvents.Add(audit.Event(http, "cluster.webhook-credential.issue", "success", caller.Grant, "cluster", cluster.Name, $"credential {credential.Id}"));
        await db.SaveChangesAsync(cancellationToken);

        var baseUrl = (options.Value.PublicUrl ?? $"{http.Request.Scheme}://{http.Request.Host}").TrimEnd('/');
        var ca = options.Value.PublicCertificateAuthorityData;
        return TypedResults.Ok(new WebhookConfig(
            cluster.Name,
            Kubeconfig(cluster.Name, $"{baseUrl}/apis/{TokenReviewEndpoints.Group}/v1/tokenreviews", ca, secret, "authentication"),
            Kubeconfig(cluster.Name, $"{baseUrl}/apis/{SubjectAccessReviewEndpoints.Group}/v1/subjectaccessreviews", ca, secret, "authorization"),
            [
                $"--authentication-token-webhook-config-file={AuthenticationFile}",
                "--authentication-token-webhook-version=v1",
                $"--authorization-webhook-config-file={AuthorizationFile}",
                "--authorization-webhook-version=v1",
                "--authorization-mode=Node,Webhook,RBAC",
                $"--api-audiences=<your service account issuer>,{cluster.Audience}",
            ]));
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetRbacAsync(
        string name, Caller caller, LatchkeyDbContext db, AccessEvaluator access, CancellationToken cancellationToken)
    {
        var cluster = await db.Clusters.AsNoTracking().SingleOrDefaultAsync(c => c.OrganizationId == caller.OrganizationId && c.Name == name, cancellationToken);
        if (cluster is null || !await access.HasAsync(caller, Permissions.ClustersView, cluster.Id, cancellationToken))
        {
            return Problems.NotFound("cluster");
        }

        return TypedResults.Text($"""
            # RBAC for cluster {cluster.Name}: Latchkey's TokenReview answers put users with a Latchkey role on
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

            """, "application/yaml");
    }

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
