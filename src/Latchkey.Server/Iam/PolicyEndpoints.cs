using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Latchkey.Server.Iam;

internal static class PolicyEndpoints
{
    public static RouteGroupBuilder MapPolicies(this RouteGroupBuilder api)
    {
        var policies = api.MapGroup("/policies").WithTags("IAM");
        policies.MapGet("/", List).WithSummary("Access policies, filtered by principal, role and scope (needs iam:manage).");
        policies.MapPost("/", Create).WithSummary("Grant a role, or a legacy preset's roles, to a user or group on a scope (needs iam:manage). Answers the policies created.");
        policies.MapGet("/{id:guid}", Get).WithSummary("One access policy (needs iam:manage).");
        policies.MapDelete("/{id:guid}", Delete).WithSummary("Revoke an access policy; it takes effect on the next request (needs iam:manage).");
        return api;
    }

    private static async Task<Results<Ok<List<PolicyInfo>>, ProblemHttpResult>> List(
        Caller caller, LatchkeyDbContext db, PolicyRegistry registry, string? principalType, Guid? principalId, string? role,
        string? scopeType, Guid? scopeId, CancellationToken cancellationToken)
    {
        if (!await registry.MayManageAsync(caller, cancellationToken))
        {
            return PolicyRegistry.NotAllowed.ToProblem();
        }

        PrincipalType? principal = null;
        if (principalType is not null)
        {
            if (!PolicyDescriptions.TryParse(principalType, out PrincipalType parsed))
            {
                return Refused.Invalid("principalType", "principalType must be 'user' or 'group'.").ToProblem();
            }

            principal = parsed;
        }

        PolicyScopeType? scope = null;
        if (scopeType is not null)
        {
            if (!PolicyDescriptions.TryParse(scopeType, out PolicyScopeType parsed))
            {
                return Refused.Invalid("scopeType", "scopeType must be 'organization', 'cluster' or 'vpc'.").ToProblem();
            }

            scope = parsed;
        }

        if (role is not null && !Roles.PermissionsOf.ContainsKey(role))
        {
            return Refused.Invalid("role", $"'{role}' is not a role. The roles are: {PolicyRequests.RoleList}.").ToProblem();
        }

        return TypedResults.Ok(await PolicyRegistry.ListAsync(db, caller, new PolicyFilter(principal, principalId, role, scope, scopeId), cancellationToken));
    }

    private static async Task<Results<Ok<PolicyInfo>, ProblemHttpResult>> Get(
        Guid id, Caller caller, LatchkeyDbContext db, PolicyRegistry registry, CancellationToken cancellationToken)
    {
        if (!await registry.MayManageAsync(caller, cancellationToken))
        {
            return PolicyRegistry.NotAllowed.ToProblem();
        }

        var found = await PolicyRegistry.ListAsync(db, caller, new PolicyFilter(Id: id), cancellationToken);
        return found.SingleOrDefault() is { } policy ? TypedResults.Ok(policy) : Problems.NotFound("access policy");
    }

    private static async Task<Results<Created<List<PolicyInfo>>, ProblemHttpResult>> Create(
        CreatePolicyRequest request, Caller caller, LatchkeyDbContext db, PolicyRegistry registry, HttpContext http, CancellationToken cancellationToken)
    {
        var outcome = await registry.GrantAsync(db, http, caller, request, cancellationToken);
        return outcome.Value is { } created
            ? TypedResults.Created($"/api/v1/policies/{created[0].Id}", created)
            : outcome.Refused!.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id, Caller caller, LatchkeyDbContext db, PolicyRegistry registry, HttpContext http, CancellationToken cancellationToken)
    {
        var outcome = await registry.RevokeAsync(db, http, caller, id, cancellationToken);
        return outcome.Value is not null ? TypedResults.NoContent() : outcome.Refused!.ToProblem();
    }
}
