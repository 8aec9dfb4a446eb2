using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Latchkey.Server.Tokens;

/// <summary>Rotation and usage of one token. The secret of a rotation's answer appears there only (never stored, never cached).</summary>
internal static class TokenLifecycleEndpoints
{
    public static RouteGroupBuilder MapTokenLifecycle(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/tokens").WithTags("Tokens");
        tokens.MapPost("/self/rotate", RotateSelf)
            .WithSummary("Rotate the token this request is made with (for automation). Body: {graceSeconds}; the answer holds the new secret, once.");
        tokens.MapPost("/{id}/rotate", Rotate)
            .WithSummary("Rotate a token (yours, or any with tokens:revoke-all). Body: {graceSeconds}, default 0: the old token works until the new one is first used.");
        tokens.MapGet("/{id}/usage", Usage)
            .WithSummary("Uses per day and door over the last 90 days, and the addresses the token was used from last.");
        return api;
    }

    private static Task<Results<Created<CreatedToken>, ValidationProblem, ProblemHttpResult>> RotateSelf(
        RotateTokenRequest? request, Caller caller, LatchkeyDbContext db, TokenRotation rotation, HttpContext http, CancellationToken cancellationToken) =>
        Rotate(caller.TokenId, request, caller, db, rotation, http, cancellationToken);

    private static async Task<Results<Created<CreatedToken>, ValidationProblem, ProblemHttpResult>> Rotate(
        string id, RotateTokenRequest? request, Caller caller, LatchkeyDbContext db, TokenRotation rotation, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await rotation.RotateAsync(db, http, caller, id, request?.GraceSeconds, cancellationToken);
        return result.Value is { } created ? TypedResults.Created($"/api/v1/tokens/{created.Id}", created)
            : result.Refused!.Kind == Refusal.NotFound ? Problems.NotFound("token") : result.Refused.ToProblem();
    }

    private static async Task<Results<Ok<TokenUsage>, ProblemHttpResult>> Usage(
        string id, Caller caller, LatchkeyDbContext db, AccessEvaluator access, UsageRecorder recorder, TokenRevocation revocation,
        TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (await VisibleTokens.FindAsync(db, access, caller, id, cancellationToken) is null)
        {
            await revocation.AuditNotFoundAsync(db, http, caller, "token.read", id, cancellationToken);
            return Problems.NotFound("token");
        }

        return TypedResults.Ok(await TokenUsageReport.ReadAsync(db, recorder, id, time.GetUtcNow(), cancellationToken));
    }
}
