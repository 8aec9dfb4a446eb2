using System.Net;
using Latchkey.Server.Audit;
using Latchkey.Server.Iam;
using Latchkey.Server.Observability;
using Latchkey.Server.Verification;

namespace Latchkey.Server.ClusterAuth;

/// <summary>
/// The Kubernetes token webhook: the API server asks whether a bearer token is good for this
/// cluster, in authentication.k8s.io v1 or v1beta1, and gets the answer in the version it asked.
/// </summary>
internal static class TokenReviewEndpoints
{
    public const string Group = "authentication.k8s.io";
    public const string TokenIdExtra = "latchkey.io/token-id";

    public static IEndpointRouteBuilder MapTokenReview(this IEndpointRouteBuilder app)
    {
        app.MapPost($"/apis/{Group}/{{version}}/tokenreviews", ReviewAsync).WithTags("Kubernetes")
            .WithSummary("TokenReview webhook (--authentication-token-webhook-config-file).");
        return app;
    }

    private static async Task<IResult> ReviewAsync(
        string version, HttpContext http, WebhookCallers callers, TokenVerifier verifier, AccessEvaluator access, PolicyCache policies,
        LatchkeyMetrics metrics, AuditLog audit)
    {
        var (cluster, review, error) = await ReviewRequests.ReadAsync<TokenReview>(http, callers, version, Group, "TokenReview");
        if (error is not null)
        {
            return error;
        }

        if (ReviewRequests.CheckType(review?.ApiVersion, review?.Kind, Group, version, "TokenReview", review?.Spec is not null) is { } invalid)
        {
            return invalid;
        }

        var spec = review!.Spec!;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        // The allowlist is matched against the address the review comes from: the API server's (or, behind a trusted proxy, what it forwards).
        var verdict = await DecideAsync(cluster!, spec, verifier, access, policies, http.Connection.RemoteIpAddress);
        metrics.Verified("token-review", verdict.Authenticated ? "valid" : "rejected", System.Diagnostics.Stopwatch.GetElapsedTime(started));
        if (!verdict.Authenticated)
        {
            audit.Tally(audit.Event(http, verdict.AuditAction, "failure", targetType: verdict.TokenId is null ? null : "token",
                targetId: verdict.TokenId, detail: $"TokenReview for cluster {cluster!.ClusterName}: {verdict.Error}", organizationId: cluster.OrganizationId));
        }

        return ReviewRequests.Answer(new TokenReview(review.ApiVersion, review.Kind, null, verdict.Status));
    }

    private static async Task<Verdict> DecideAsync(
        WebhookCaller cluster, TokenReviewSpec spec, TokenVerifier verifier, AccessEvaluator access, PolicyCache policies, IPAddress? source)
    {
        var result = await verifier.VerifyAsync(spec.Token, Door.Kubernetes, source);
        if (result.Grant is not { } grant)
        {
            return Verdict.No(result.Failure switch
            {
                VerificationFailure.Missing => "no token in the review",
                VerificationFailure.Malformed => "not a Latchkey token",
                VerificationFailure.Revoked => "token revoked",
                VerificationFailure.Expired => "token expired",
                VerificationFailure.OwnerDisabled => "user disabled",
                VerificationFailure.NetworkDenied => "token not allowed from this network address",
                _ => "unknown token",
            }, result.TokenId, result.AuditAction);
        }

        // A token of another organization is unknown here, whatever it could do there.
        if (grant.OrganizationId != cluster.OrganizationId)
        {
            return Verdict.No("unknown token", null);
        }

        // Audience-aware: with audiences given, at least one must be this cluster's (the answer echoes it).
        List<string>? audiences = null;
        if (spec.Audiences is { Count: > 0 } asked)
        {
            audiences = [.. asked.Where(a => string.Equals(a, cluster.Audience, StringComparison.Ordinal))];
            if (audiences.Count == 0)
            {
                return Verdict.No($"token is not valid for audiences {string.Join(", ", asked)}", grant.TokenId);
            }
        }

        var permissions = await access.PermissionsOnClusterAsync(grant, cluster.ClusterId);
        if (!permissions.Contains(Permissions.ClustersView) && !permissions.Contains(Permissions.ClustersAdmin))
        {
            return Verdict.No(grant.Scopes is null
                ? $"user has no access to cluster {cluster.ClusterName}"
                : $"token is not scoped to cluster {cluster.ClusterName}, or its user has no access to it", grant.TokenId);
        }

        var groups = new List<string> { "latchkey:authenticated", $"latchkey:org:{grant.OrganizationSlug}" };
        // From the policy cache, like the permissions above: a membership change reaches both on the next request.
        groups.AddRange((await policies.GroupsOfAsync(grant.OrganizationId, grant.UserId)).Select(name => $"latchkey:group:{name}"));
        if (permissions.Contains(Permissions.ClustersAdmin))
        {
            groups.Add("latchkey:cluster-admin");
        }

        if (permissions.Contains(Permissions.ClustersView))
        {
            groups.Add("latchkey:cluster-viewer");
        }

        var user = new ReviewUser(grant.Email, grant.UserId.ToString(), groups,
            new Dictionary<string, IReadOnlyList<string>> { [TokenIdExtra] = [grant.TokenId] });
        return new Verdict(new TokenReviewStatus(true, user, audiences), null);
    }

    private sealed record Verdict(TokenReviewStatus Status, string? TokenId, string AuditAction = "auth.failed")
    {
        public bool Authenticated => Status.Authenticated;
        public string? Error => Status.Error;

        public static Verdict No(string error, string? tokenId, string auditAction = "auth.failed") => new(new TokenReviewStatus(false, Error: error), tokenId, auditAction);
    }
}
