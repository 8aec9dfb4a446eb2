using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Clusters;
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
        tokens.MapPost("/", Create).WithSummary("Create a token, optionally with a kubeconfig for a cluster. The response is the only place its secret ever appears.");
        tokens.MapGet("/", List).WithSummary("List your tokens (or, with owner=all and tokens:read-all, the organization's).");
        tokens.MapGet("/{id}", Get).WithSummary("Show one token.");
        tokens.MapDelete("/{id}", Delete).WithSummary("Revoke a token at once. It stays listed with status 'revoked'.");
        return api;
    }

    private static async Task<Results<Created<CreatedToken>, ValidationProblem, ProblemHttpResult>> Create(
        CreateTokenRequest request, Caller caller, LatchkeyDbContext db, AccessEvaluator access, TokenCreation creation, AuditLog audit,
        HttpContext http, CancellationToken cancellationToken)
    {
        Cluster? cluster = null;
        if (request.Kubeconfig is { } wanted)
        {
            if (string.IsNullOrWhiteSpace(wanted.Cluster))
            {
                return Problems.Invalid("kubeconfig.cluster", "kubeconfig.cluster must name the cluster to write a kubeconfig for.");
            }

            cluster = await UsableClusters.FindAsync(db, access, caller, wanted.Cluster, cancellationToken);
            if (cluster is null)
            {
                // Nothing is created: the caller asked for a token and a kubeconfig together.
                db.AuditEvents.Add(audit.Event(http, "token.create", "denied", caller.Grant, "cluster",
                    wanted.Cluster.Length > 63 ? wanted.Cluster[..63] : wanted.Cluster, "kubeconfig for a cluster the caller may not use"));
                await db.SaveChangesAsync(cancellationToken);
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
                    detail: $"No cluster named '{wanted.Cluster}' exists that you may use, so no token was created. 'GET /api/v1/clusters' lists yours.");
            }
        }

        var result = await creation.CreateAsync(db, http, caller, request, "api", cancellationToken,
            cluster is null ? null : $"kubeconfig for cluster {cluster.Name}");
        if (result.Created is not { } created)
        {
            return Problems.Invalid(result.Field!, result.Message!);
        }

        if (cluster is not null)
        {
            created = created with { Kubeconfig = KubeconfigTemplates.WithToken(UsableClusters.Describe(cluster), created.Id, created.Name, created.Secret).ToYaml() };
        }

        return TypedResults.Created($"/api/v1/tokens/{created.Id}", created);
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
        if (await VisibleTokens.FindAsync(db, access, caller, id, cancellationToken) is not var (token, owner))
        {
            await revocation.AuditNotFoundAsync(db, http, caller, "token.read", id, cancellationToken);
            return Problems.NotFound("token");
        }

        return TypedResults.Ok(TokenList.Describe(token, owner, time.GetUtcNow(), lastUsed));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string id, Caller caller, LatchkeyDbContext db, TokenRevocation revocation, HttpContext http, CancellationToken cancellationToken) =>
        await revocation.RevokeAsync(db, http, caller, id, cancellationToken) ? TypedResults.NoContent() : Problems.NotFound("token");
}
