using Latchkey.Server.Iam;
using Latchkey.Server.Verification;

namespace Latchkey.Server.ClusterAuth;

/// <summary>
/// The Kubernetes authorization webhook. cluster-admin may do anything, cluster-viewer may read
/// (get, list, watch); for everything else Latchkey has no opinion (allowed: false, never denied),
/// so the cluster's other authorizers, RBAC say, still decide. Roles are read at decision time.
/// </summary>
internal static class SubjectAccessReviewEndpoints
{
    public const string Group = "authorization.k8s.io";
    private static readonly string[] ReadVerbs = ["get", "list", "watch"];

    public static IEndpointRouteBuilder MapSubjectAccessReview(this IEndpointRouteBuilder app)
    {
        app.MapPost($"/apis/{Group}/{{version}}/subjectaccessreviews", ReviewAsync).WithTags("Kubernetes")
            .WithSummary("SubjectAccessReview webhook (--authorization-webhook-config-file).");
        return app;
    }

    private static async Task<IResult> ReviewAsync(string version, HttpContext http, WebhookCallers callers, TokenVerifier verifier, AccessEvaluator access)
    {
        var (cluster, review, error) = await ReviewRequests.ReadAsync<SubjectAccessReview>(http, callers, version, Group, "SubjectAccessReview");
        if (error is not null)
        {
            return error;
        }

        if (ReviewRequests.CheckType(review?.ApiVersion, review?.Kind, Group, version, "SubjectAccessReview", review?.Spec is not null) is { } invalid)
        {
            return invalid;
        }

        var status = await DecideAsync(cluster!, review!.Spec!, verifier, access, http.Connection.RemoteIpAddress);
        return ReviewRequests.Answer(new SubjectAccessReview(review.ApiVersion, review.Kind, null, status));
    }

    /// <summary>
    /// Latchkey speaks only for requests it authenticated: the review must carry exactly one token
    /// id (what TokenReview put in extra), that token must be live, of this cluster's organization,
    /// and belong to the user the review names. A name alone proves nothing, since any other
    /// authenticator on the cluster could yield the same name; for all of those: no opinion.
    /// </summary>
    private static async Task<SubjectAccessReviewStatus> DecideAsync(
        WebhookCaller cluster, SubjectAccessReviewSpec spec, TokenVerifier verifier, AccessEvaluator access, System.Net.IPAddress? source)
    {
        var verb = spec.ResourceAttributes?.Verb ?? spec.NonResourceAttributes?.Verb;
        if (string.IsNullOrEmpty(verb))
        {
            return NoOpinion("no verb in the review");
        }

        if (spec.Extra?.GetValueOrDefault(TokenReviewEndpoints.TokenIdExtra) is not [var tokenId])
        {
            return NoOpinion("not authenticated by a Latchkey token");
        }

        var verified = await verifier.VerifyIdAsync(tokenId, cluster.OrganizationId, source);
        if (verified.Grant is not { } grant)
        {
            return NoOpinion("the token this user authenticated with is no longer valid");
        }

        var sameUser = string.Equals(spec.User, grant.Email, StringComparison.OrdinalIgnoreCase)
            && (string.IsNullOrEmpty(spec.Uid) || string.Equals(spec.Uid, grant.UserId.ToString(), StringComparison.OrdinalIgnoreCase));
        if (!sameUser)
        {
            return NoOpinion("the review's user is not the owner of its Latchkey token");
        }

        // The token's scopes narrow its owner's roles here exactly as in TokenReview.
        var permissions = await access.PermissionsOnClusterAsync(grant, cluster.ClusterId);
        if (permissions.Contains(Permissions.ClustersAdmin))
        {
            return new SubjectAccessReviewStatus(true, Reason: "cluster-admin");
        }

        if (permissions.Contains(Permissions.ClustersView) && ReadVerbs.Contains(verb))
        {
            return new SubjectAccessReviewStatus(true, Reason: "cluster-viewer");
        }

        return NoOpinion($"no Latchkey role allows '{verb}' on cluster {cluster.ClusterName}");
    }

    private static SubjectAccessReviewStatus NoOpinion(string reason) => new(false, Reason: reason);
}
