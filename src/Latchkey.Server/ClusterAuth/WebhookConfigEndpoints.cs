using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.ClusterAuth;

/// <summary>Wiring help: the webhook config files and API server flags, the webhook credentials, and RBAC bindings for the role groups.</summary>
internal static class WebhookConfigEndpoints
{
    public static RouteGroupBuilder MapWebhookConfig(this RouteGroupBuilder api)
    {
        api.MapGet("/clusters/{name}/webhook-config", GetConfigAsync).WithTags("Clusters")
            .WithSummary("Issue a webhook credential for the cluster and return the API server's webhook config files and flags (needs clusters:manage).");
        api.MapGet("/clusters/{name}/webhook-credentials", ListCredentialsAsync).WithTags("Clusters")
            .WithSummary("The cluster's webhook credentials: created (when, by whom), expires, last used, revoked; never the secret (needs clusters:manage).");
        api.MapDelete("/clusters/{name}/webhook-credentials/{id:guid}", RevokeCredentialAsync).WithTags("Clusters")
            .WithSummary("Revoke a webhook credential: the API servers that present it are refused from their next review (needs clusters:manage).");
        api.MapGet("/clusters/{name}/rbac", GetRbacAsync).WithTags("Clusters")
            .WithSummary("ClusterRoleBindings that give the Latchkey role groups cluster-admin and view, for clusters that use RBAC.");
        return api;
    }

    private static async Task<Results<Ok<WebhookConfig>, ProblemHttpResult>> GetConfigAsync(
        string name, Caller caller, LatchkeyDbContext db, WebhookWiring wiring, HttpContext http, CancellationToken cancellationToken)
    {
        var (config, denied) = await wiring.IssueAsync(db, http, caller, name, cancellationToken);
        return config is not null ? TypedResults.Ok(config)
            : denied ? Problems.Forbidden("Wiring a cluster needs the org-admin role.")
            : Problems.NotFound("cluster");
    }

    private static async Task<Results<Ok<List<WebhookCredentialInfo>>, ProblemHttpResult>> ListCredentialsAsync(
        string name, Caller caller, LatchkeyDbContext db, WebhookCredentials credentials, CancellationToken cancellationToken)
    {
        var listed = await credentials.ListAsync(db, caller, name, cancellationToken);
        return listed.Value is { } list ? TypedResults.Ok(list) : listed.Refused!.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeCredentialAsync(
        string name, Guid id, Caller caller, LatchkeyDbContext db, WebhookCredentials credentials, HttpContext http, CancellationToken cancellationToken) =>
        await credentials.RevokeAsync(db, http, caller, name, id, cancellationToken) is { } refused ? refused.ToProblem() : TypedResults.NoContent();

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetRbacAsync(
        string name, Caller caller, LatchkeyDbContext db, AccessEvaluator access, CancellationToken cancellationToken)
    {
        var cluster = await db.Clusters.AsNoTracking().SingleOrDefaultAsync(c => c.OrganizationId == caller.OrganizationId && c.Name == name, cancellationToken);
        if (cluster is null || !await access.HasAsync(caller, Permissions.ClustersView, cluster.Id, cancellationToken))
        {
            return Problems.NotFound("cluster");
        }

        return TypedResults.Text(WebhookWiring.Rbac(cluster.Name), "application/yaml");
    }
}
