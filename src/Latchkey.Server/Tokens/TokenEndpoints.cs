using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

internal static class TokenEndpoints
{
    public static RouteGroupBuilder MapTokens(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/tokens").WithTags("Tokens");
        tokens.MapPost("/", Create).WithSummary("Create a token. The response is the only place its secret ever appears.");
        tokens.MapGet("/", List).WithSummary("List your tokens (or, with owner=all and tokens:read-all, the organization's).");
        tokens.MapGet("/{id}", Get).WithSummary("Show one token.");
        tokens.MapDelete("/{id}", Delete).WithSummary("Revoke a token at once. It stays listed with status 'revoked'.");
        return api;
    }

    private static async Task<Results<Created<CreatedToken>, ValidationProblem>> Create(
        CreateTokenRequest request, Caller caller, LatchkeyDbContext db, TokenCreation creation, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await creation.CreateAsync(db, http, caller, request, "api", cancellationToken);
        return result.Created is { } created
            ? TypedResults.Created($"/api/v1/tokens/{created.Id}", created)
            : Problems.Invalid(result.Field!, result.Message!);
    }

    private static async Task<Results<Ok<Page<TokenInfo>>, ValidationProblem, ProblemHttpResult>> List(
        Caller caller, LatchkeyDbContext db, AccessEvaluator access, LastUsedRecorder lastUsed, TimeProvider time,
        string? status, string? owner, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var pageSize = limit ?? 50;
        if (pageSize is < 1 or > TokenList.MaxPageSize)
        {
            return Problems.Invalid("limit", $"limit must be between 1 and {TokenList.MaxPageSize}.");
        }

        Cursor after = default;
        if (cursor is not null && !Cursor.TryParse(cursor, out after))
        {
            return Problems.Invalid("cursor", "cursor is not one this server handed out; start again without it.");
        }

        bool allOwners;
        switch (owner)
        {
            case null or "me":
                allOwners = false;
                break;
            case "all" when await access.HasAsync(caller, Permissions.TokensReadAll, cancellationToken: cancellationToken):
                allOwners = true;
                break;
            case "all":
                return Problems.Forbidden("Listing every token of the organization needs the token-viewer or token-admin role.");
            default:
                return Problems.Invalid("owner", "owner must be 'me' or 'all'.");
        }

        if (!TokenList.TryParseStatus(status, out var wanted))
        {
            return Problems.Invalid("status", "status must be 'active', 'expired' or 'revoked'.");
        }

        return TypedResults.Ok(await TokenList.ReadAsync(db, caller, wanted, allOwners, pageSize, cursor is null ? null : after,
            time.GetUtcNow(), lastUsed, cancellationToken));
    }

    private static async Task<Results<Ok<TokenInfo>, ProblemHttpResult>> Get(
        string id, Caller caller, LatchkeyDbContext db, AccessEvaluator access, LastUsedRecorder lastUsed, TokenRevocation revocation,
        TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var found = await db.AccessTokens.AsNoTracking()
            .Where(t => t.Id == id && t.OrganizationId == caller.OrganizationId)
            .Select(t => new { Token = t, t.User.Email, t.User.DisplayName })
            .SingleOrDefaultAsync(cancellationToken);
        if (found is null || (found.Token.UserId != caller.UserId
            && !await access.HasAsync(caller, Permissions.TokensReadAll, cancellationToken: cancellationToken)))
        {
            await revocation.AuditNotFoundAsync(db, http, caller, "token.read", id, cancellationToken);
            return Problems.NotFound("token");
        }

        return TypedResults.Ok(TokenList.Describe(found.Token, new TokenOwner(found.Token.UserId, found.Email, found.DisplayName), time.GetUtcNow(), lastUsed));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string id, Caller caller, LatchkeyDbContext db, TokenRevocation revocation, HttpContext http, CancellationToken cancellationToken) =>
        await revocation.RevokeAsync(db, http, caller, id, cancellationToken) ? TypedResults.NoContent() : Problems.NotFound("token");
}
