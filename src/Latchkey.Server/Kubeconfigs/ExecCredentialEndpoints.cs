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
        TimeProvider time, HttpContext http, Observability.LatchkeyMetrics metrics, ILogger<TokenIssuer> logger, CancellationToken cancellationToken)
    {
        var cluster = await UsableClusters.FindAsync(db, access, caller, name, cancellationToken);
        if (cluster is null)
        {
            db.AuditEvents.Add(audit.Event(http, "cluster.credential", "denied", caller.Grant, "cluster", name.Length > 63 ? name[..63] : name,
                "no such cluster the caller may use"));
            await db.SaveChangesAsync(cancellationToken);
            return Problems.NotFound("cluster you may use");
        }

        var owner = await db.Users.SingleAsync(u => u.Id == caller.UserId, cancellationToken);
        // Never longer than the token that asks: a credential must not outlive the sign-in it came from.
        var expiresAt = time.GetUtcNow() + Lifetime;
        if (caller.Grant.ExpiresAt is { } limit && limit < expiresAt)
        {
            expiresAt = limit;
        }

        var (token, secret) = issuer.Issue(owner, $"kubectl credential for {cluster.Name}",
            "Short-lived token for kubectl, made by 'latchkey credential'.", expiresAt, "exec");
        // Good for this one cluster only (and never wider than the token that asked): a credential
        // kubectl caches on disk cannot list tokens, mint tokens or reach another cluster.
        token.Scopes = TokenScopeSet.Of(new[] { Permissions.ClustersAdmin, Permissions.ClustersView }
            .Where(p => caller.Grant.Scopes is null || caller.Grant.Scopes.Allows(p, cluster.Id))
            .Select(p => new TokenScope(p, cluster.Id))).ToStored();
        // Nor may it be used from where the token that asks may not.
        token.AllowedCidrs = TokenNetworks.Format(caller.Grant.Networks);
        db.AccessTokens.Add(token);
        db.AuditEvents.Add(audit.Event(http, "cluster.credential", "success", caller.Grant, "token", token.Id,
            $"exec credential for cluster {cluster.Name}, expires {expiresAt:O}"));
        await db.SaveChangesAsync(cancellationToken);
        Log.TokenCreated(logger, token.Id, owner.Id);
        metrics.TokenCreated();
        return TypedResults.Created($"/api/v1/tokens/{token.Id}", new ClusterToken(secret, token.Id, expiresAt));
    }
}
