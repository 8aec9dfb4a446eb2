using Latchkey.Data;
using Latchkey.Server.Iam;
using Microsoft.EntityFrameworkCore;

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

    private static async Task<IResult> ReviewAsync(
        string version, HttpContext http, WebhookCallers callers, IDbContextFactory<LatchkeyDbContext> store, AccessEvaluator access)
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

        var status = await DecideAsync(cluster!, review!.Spec!, store, access);
        return ReviewRequests.Answer(new SubjectAccessReview(review.ApiVersion, review.Kind, null, status));
    }

    private static async Task<SubjectAccessReviewStatus> DecideAsync(
        WebhookCaller cluster, SubjectAccessReviewSpec spec, IDbContextFactory<LatchkeyDbContext> store, AccessEvaluator access)
    {
        var verb = spec.ResourceAttributes?.Verb ?? spec.NonResourceAttributes?.Verb;
        if (string.IsNullOrEmpty(verb))
        {
            return new SubjectAccessReviewStatus(false, Reason: "no verb in the review");
        }

        var user = await FindUserAsync(cluster.OrganizationId, spec, store);
        if (user is null)
        {
            return new SubjectAccessReviewStatus(false, Reason: "not a Latchkey user of this cluster's organization");
        }

        if (!user.Value.Active)
        {
            return new SubjectAccessReviewStatus(false, Reason: "user disabled");
        }

        if (user.Value.TokenGone)
        {
            return new SubjectAccessReviewStatus(false, Reason: "the token this user authenticated with is no longer valid");
        }

        var permissions = await access.PermissionsOnClusterAsync(cluster.OrganizationId, user.Value.Id, cluster.ClusterId);
        // TokenReview put the token's id in extra: a scoped token is judged by its scopes here too.
        if (user.Value.Scopes is { } scopes)
        {
            permissions.RemoveWhere(p => !scopes.Allows(p, cluster.ClusterId));
        }

        if (permissions.Contains(Permissions.ClustersAdmin))
        {
            return new SubjectAccessReviewStatus(true, Reason: "cluster-admin");
        }

        if (permissions.Contains(Permissions.ClustersView) && ReadVerbs.Contains(verb))
        {
            return new SubjectAccessReviewStatus(true, Reason: "cluster-viewer");
        }

        return new SubjectAccessReviewStatus(false, Reason: $"no Latchkey role allows '{verb}' on cluster {cluster.ClusterName}");
    }

    /// <summary>By uid (what TokenReview answered), else by username (the email).</summary>
    private static async Task<ReviewedUser?> FindUserAsync(Guid organizationId, SubjectAccessReviewSpec spec, IDbContextFactory<LatchkeyDbContext> store)
    {
        var db = await store.CreateDbContextAsync();
        await using (db)
        {
            var users = db.Users.AsNoTracking().Where(u => u.OrganizationId == organizationId);
            if (Guid.TryParse(spec.Uid, out var uid))
            {
                users = users.Where(u => u.Id == uid);
            }
            else if (!string.IsNullOrEmpty(spec.User))
            {
                var email = spec.User.ToLowerInvariant();
                users = users.Where(u => u.NormalizedEmail == email);
            }
            else
            {
                return null;
            }

            var found = await users.Select(u => new { u.Id, u.IsActive }).SingleOrDefaultAsync();
            if (found is null)
            {
                return null;
            }

            if (spec.Extra?.GetValueOrDefault(TokenReviewEndpoints.TokenIdExtra) is not [var tokenId])
            {
                return new ReviewedUser(found.Id, found.IsActive, null, false);
            }

            var token = await db.AccessTokens.AsNoTracking()
                .Where(t => t.Id == tokenId && t.UserId == found.Id)
                .Select(t => new { t.Scopes, t.RevokedAt })
                .SingleOrDefaultAsync();
            return new ReviewedUser(found.Id, found.IsActive, TokenScopeSet.Parse(token?.Scopes), token is null || token.RevokedAt is not null);
        }
    }

    /// <param name="Scopes">The scopes of the token named in the review's extra, if it has any.</param>
    /// <param name="TokenGone">The review names a token that does not exist for this user or was revoked.</param>
    private readonly record struct ReviewedUser(Guid Id, bool Active, TokenScopeSet? Scopes, bool TokenGone);
}
