using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Tokens;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Iam;

/// <summary>"What can this user, or this token, do, where?" answered from the code that enforces it.</summary>
internal static class AccessEndpoints
{
    public static RouteGroupBuilder MapEffectiveAccess(this RouteGroupBuilder api)
    {
        api.MapGet("/users/{id}/access", ForUser).WithTags("IAM")
            .WithSummary("Effective access of a user (yourself, or anyone of your organization with iam:manage): every permission, where, and which policy grants it.");
        api.MapGet("/tokens/{id}/access", ForToken).WithTags("IAM")
            .WithSummary("Effective access of a token: its owner's access narrowed by the token's scopes.");
        return api;
    }

    private static async Task<Results<Ok<EffectiveAccess>, ProblemHttpResult>> ForUser(
        string id, Caller caller, LatchkeyDbContext db, AccessEvaluator access, EffectiveAccessReader reader, CancellationToken cancellationToken)
    {
        var userId = id == "me" ? caller.UserId : Guid.TryParse(id, out var parsed) ? parsed : Guid.Empty;
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId && u.OrganizationId == caller.OrganizationId)
            .Select(u => new { u.Id, u.Email, u.IsActive }).SingleOrDefaultAsync(cancellationToken);
        if (user is null || (user.Id != caller.UserId && !await access.HasAsync(caller, Permissions.IamManage, cancellationToken: cancellationToken)))
        {
            return Problems.NotFound("user");
        }

        var grants = user.IsActive ? await reader.ReadAsync(db, caller.OrganizationId, user.Id, null, cancellationToken) : [];
        return TypedResults.Ok(new EffectiveAccess(user.Id, user.Email, user.IsActive, null, null, grants));
    }

    private static async Task<Results<Ok<EffectiveAccess>, ProblemHttpResult>> ForToken(
        string id, Caller caller, LatchkeyDbContext db, AccessEvaluator access, EffectiveAccessReader reader, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var found = await db.AccessTokens.AsNoTracking().Where(t => t.Id == id && t.OrganizationId == caller.OrganizationId)
            .Select(t => new { Token = t, t.UserId, t.User.Email, t.User.IsActive, t.Scopes })
            .SingleOrDefaultAsync(cancellationToken);
        if (found is null || !await TokenInventory.MayReadAsync(access, caller, found.UserId, cancellationToken))
        {
            return Problems.NotFound("token");
        }

        var scopes = TokenScopeSet.Parse(found.Scopes);
        // A revoked or expired token, or one whose owner is disabled, can do nothing at all.
        var live = found.IsActive && found.Token.IsLive(time.GetUtcNow());
        var grants = live ? await reader.ReadAsync(db, caller.OrganizationId, found.UserId, scopes, cancellationToken) : [];
        var names = await ScopeNames.DescribeAsync(db, caller.OrganizationId, scopes, cancellationToken);
        return TypedResults.Ok(new EffectiveAccess(found.UserId, found.Email, found.IsActive, id, names, grants));
    }
}
