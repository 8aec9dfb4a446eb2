using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Clusters;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Tokens;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Kubeconfigs;

/// <summary>
/// Short-lived tokens for the kubectl exec plugin (<c>latchkey credential</c>): a kubeconfig of the
/// exec form holds no secret, and what kubectl gets stops working within the hour.
/// </summary>
internal static class ExecCredentialEndpoints
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    public static RouteGroupBuilder MapExecCredentials(this RouteGroupBuilder api)
    {
        api.MapPost("/clusters/{name}/credentials", Issue).WithTags("Clusters")
            .WithSummary("A short-lived token (one hour) for a cluster you may use, for 'latchkey credential' (the kubectl exec plugin).");
        return api;
    }

    private static async Task<Results<Created<ClusterToken>, ProblemHttpResult>> Issue(
        string name, Caller caller, LatchkeyDbContext db, AccessEvaluator access, TokenIssuer issuer, AuditLog audit,
        TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var cluster = await UsableClusters.FindAsync(db, access, caller, name, cancellationToken);
        if (cluster is null)
        {
            db.AuditEvents.Add(audit.Event(http, "cluster.credential", "denied", caller.Grant, "cluster", name.Length > 63 ? name[..63] : name,
                "no such cluster the caller may use"));
            await db.SaveChangesAsync(cancellationToken);
            return Problems.NotFound("cluster you may use");
        }

        // Good for this one cluster only, never wider than the token that asks, never past its end
        // (Lineage bounds it, and it dies with that token): a credential kubectl caches on disk
        // cannot list tokens, mint tokens or reach another cluster.
        var scopes = TokenScopeSet.Of(new[] { Permissions.ClustersAdmin, Permissions.ClustersView }
            .Where(p => caller.Grant.Scopes is null || caller.Grant.Scopes.Allows(p, cluster.Id))
            .Select(p => new TokenScope(p, cluster.Id)));
        var draft = new TokenDraft($"kubectl credential for {cluster.Name}", "Short-lived token for kubectl, made by 'latchkey credential'.",
            time.GetUtcNow() + Lifetime, Lineage.ExecCredential, scopes, Parent: caller.Grant);
        var issued = await issuer.IssueAsync(db, caller.OrganizationId, caller.UserId, draft, token => audit.Event(http, "cluster.credential", "success",
            caller.Grant, "token", token.Id, $"exec credential for cluster {cluster.Name}, made from token {caller.TokenId}, expires {token.ExpiresAt:O}"),
            cancellationToken);
        if (issued.Value is not { Token: var token, Secret: var secret })
        {
            db.AuditEvents.Add(audit.Event(http, "cluster.credential", "denied", caller.Grant, "cluster", cluster.Name, issued.Refused!.Message));
            await db.SaveChangesAsync(cancellationToken);
            return issued.Refused.ToProblem();
        }

        return TypedResults.Created($"/api/v1/tokens/{token.Id}", new ClusterToken(secret, token.Id, token.ExpiresAt!.Value));
    }
}
