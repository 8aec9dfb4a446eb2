using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Latchkey.Server.Tokens;

internal static class TokenPolicyEndpoints
{
    public static RouteGroupBuilder MapTokenPolicy(this RouteGroupBuilder api)
    {
        var policy = api.MapGroup("/organization/token-policy").WithTags("Organization");
        policy.MapGet("/", Read).WithSummary("The organization's token policy, and how many live tokens outlive it.");
        policy.MapPut("/", Update).WithSummary("Replace the token policy (iam:manage). Existing tokens are not revoked; see tokensBeyondPolicy.");
        return api;
    }

    private static async Task<Ok<TokenPolicyInfo>> Read(Caller caller, LatchkeyDbContext db, TokenPolicy policy, CancellationToken cancellationToken) =>
        TypedResults.Ok(await policy.ReadAsync(db, caller.OrganizationId, cancellationToken));

    private static async Task<Results<Ok<TokenPolicyInfo>, ValidationProblem, ProblemHttpResult>> Update(
        UpdateTokenPolicyRequest request, Caller caller, LatchkeyDbContext db, TokenPolicy policy, AccessEvaluator access,
        HttpContext http, CancellationToken cancellationToken)
    {
        if (!await access.HasAsync(caller, Permissions.IamManage, cancellationToken: cancellationToken))
        {
            return Problems.Forbidden("Changing the token policy needs the org-admin role.");
        }

        if (await policy.UpdateAsync(db, http, caller, request, cancellationToken) is var (field, message))
        {
            return Problems.Invalid(field, message);
        }

        return TypedResults.Ok(await policy.ReadAsync(db, caller.OrganizationId, cancellationToken));
    }
}
