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
    public const string OwnTokensOutOfScope = "This token is scoped without tokens:own, so it cannot list or create tokens.";

    public static RouteGroupBuilder MapTokens(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/tokens").WithTags("Tokens");
        tokens.MapPost("/", Create).WithSummary("Create a token, optionally with a kubeconfig for a cluster. The response is the only place its secret ever appears.");
        tokens.MapGet("/", List).WithSummary(
            "List your tokens; with tokens:read-all, owner=all or owner=<user id> lists others'. Filters: status, createdAfter, createdBefore, "
            + "lastUsedBefore (never-used included), expiringWithinDays, beyondPolicy=true.");
        tokens.MapPost("/revoke", TokenInventory.RevokeMany).WithSummary("Revoke up to 1,000 tokens at once (your own, or any with tokens:revoke-all).");
        tokens.MapGet("/{id}", Get).WithSummary("Show one token.");
        tokens.MapDelete("/{id}", Delete).WithSummary("Revoke a token at once. It stays listed with status 'revoked'.");
        return api;
    }

    private static async Task<Results<Created<CreatedToken>, ValidationProblem, ProblemHttpResult>> Create(
        CreateTokenRequest request, Caller caller, LatchkeyDbContext db, AccessEvaluator access, TokenCreation creation, AuditLog audit,
        HttpContext http, CancellationToken cancellationToken)
    {
        if (!await access.HasAsync(caller, Permissions.TokensOwn, cancellationToken: cancellationToken))
        {
            return Problems.Forbidden(OwnTokensOutOfScope);
        }

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
            cluster is null ? null : $"kubeconfig for cluster {cluster.Name}", cluster?.Id);
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
        [AsParameters] TokenListQuery query, Caller caller, LatchkeyDbContext db, AccessEvaluator access, LastUsedRecorder lastUsed, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var pageSize = query.Limit ?? 50;
        if (pageSize is < 1 or > TokenList.MaxPageSize)
        {
            return Problems.Invalid("limit", $"limit must be between 1 and {TokenList.MaxPageSize}.");
        }

        Cursor after = default;
        if (query.Cursor is not null && !Cursor.TryParse(query.Cursor, out after))
        {
            return Problems.Invalid("cursor", "cursor is not one this server handed out; start again without it.");
        }

        var (filter, error) = await query.ToFilterAsync(db, caller, cancellationToken);
        if (error is { } invalid)
        {
            return Problems.Invalid(invalid.Field, invalid.Message);
        }

        if (filter!.NeedsReadAll && !await access.HasAsync(caller, Permissions.TokensReadAll, cancellationToken: cancellationToken))
        {
            return Problems.Forbidden("Listing other members' tokens needs the token-viewer or token-admin role.");
        }

        if (!filter.NeedsReadAll && !await access.HasAsync(caller, Permissions.TokensOwn, cancellationToken: cancellationToken))
        {
            return Problems.Forbidden(OwnTokensOutOfScope);
        }

        if (filter.LastUsedBefore is not null)
        {
            // The filter runs in SQL: uses this replica has seen but not yet written must count.
            await lastUsed.FlushAsync(cancellationToken);
        }

        return TypedResults.Ok(await TokenList.ReadAsync(db, caller, filter, pageSize, query.Cursor is null ? null : after,
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

        var names = token.Scopes is null ? null : await ScopeNames.LoadAsync(db, caller.OrganizationId, cancellationToken);
        return TypedResults.Ok(TokenList.Describe(token, owner, time.GetUtcNow(), lastUsed, names));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string id, Caller caller, LatchkeyDbContext db, TokenRevocation revocation, HttpContext http, CancellationToken cancellationToken) =>
        await revocation.RevokeAsync(db, http, caller, id, cancellationToken) ? TypedResults.NoContent() : Problems.NotFound("token");
}
