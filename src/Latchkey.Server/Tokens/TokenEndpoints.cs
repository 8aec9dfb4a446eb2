using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Clusters;
using Latchkey.Server.Data;
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
        if (pageSize is < 1 or > 200)
        {
            return Problems.Invalid("limit", "limit must be between 1 and 200.");
        }

        Cursor after = default;
        if (cursor is not null && !Cursor.TryParse(cursor, out after))
        {
            return Problems.Invalid("cursor", "cursor is not one this server handed out; start again without it.");
        }

        var query = db.AccessTokens.AsNoTracking().Where(t => t.OrganizationId == caller.OrganizationId);
        switch (owner)
        {
            case null or "me":
                query = query.Where(t => t.UserId == caller.UserId);
                break;
            case "all" when await access.HasAsync(caller, Permissions.TokensReadAll, cancellationToken: cancellationToken):
                break;
            case "all":
                return Problems.Forbidden("Listing every token of the organization needs the token-viewer or token-admin role.");
            default:
                return Problems.Invalid("owner", "owner must be 'me' or 'all'.");
        }

        var now = time.GetUtcNow();
        switch (status)
        {
            case null:
                break;
            case "active":
                query = query.Where(t => t.RevokedAt == null && (t.ExpiresAt == null || t.ExpiresAt > now));
                break;
            case "expired":
                query = query.Where(t => t.RevokedAt == null && t.ExpiresAt <= now);
                break;
            case "revoked":
                query = query.Where(t => t.RevokedAt != null);
                break;
            default:
                return Problems.Invalid("status", "status must be 'active', 'expired' or 'revoked'.");
        }

        if (cursor is not null)
        {
            query = query.Where(t => t.CreatedAt < after.CreatedAt || (t.CreatedAt == after.CreatedAt && string.Compare(t.Id, after.Id) < 0));
        }

        var rows = await query
            .OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id)
            .Take(pageSize + 1)
            .Select(t => new { Token = t, t.User.Email, t.User.DisplayName })
            .ToListAsync(cancellationToken);

        var items = rows.Take(pageSize)
            .Select(r => Describe(r.Token, new TokenOwner(r.Token.UserId, r.Email, r.DisplayName), now, lastUsed))
            .ToList();
        var next = rows.Count > pageSize ? new Cursor(rows[pageSize - 1].Token.CreatedAt, rows[pageSize - 1].Token.Id).ToString() : null;
        return TypedResults.Ok(new Page<TokenInfo>(items, next));
    }

    private static async Task<Results<Ok<TokenInfo>, ProblemHttpResult>> Get(
        string id, Caller caller, LatchkeyDbContext db, AccessEvaluator access, LastUsedRecorder lastUsed, AuditLog audit,
        TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var found = await db.AccessTokens.AsNoTracking()
            .Where(t => t.Id == id && t.OrganizationId == caller.OrganizationId)
            .Select(t => new { Token = t, t.User.Email, t.User.DisplayName })
            .SingleOrDefaultAsync(cancellationToken);
        if (found is null || (found.Token.UserId != caller.UserId
            && !await access.HasAsync(caller, Permissions.TokensReadAll, cancellationToken: cancellationToken)))
        {
            return await NotFoundAsync(db, audit, http, caller, "token.read", id, cancellationToken);
        }

        return TypedResults.Ok(Describe(found.Token, new TokenOwner(found.Token.UserId, found.Email, found.DisplayName), time.GetUtcNow(), lastUsed));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string id, Caller caller, LatchkeyDbContext db, AccessEvaluator access, ChangeFeed changes, AuditLog audit,
        TimeProvider time, HttpContext http, ILogger<TokenCreation> logger, CancellationToken cancellationToken)
    {
        var token = await db.AccessTokens.SingleOrDefaultAsync(t => t.Id == id && t.OrganizationId == caller.OrganizationId, cancellationToken);
        var own = token?.UserId == caller.UserId;
        if (token is null || (!own && !await access.HasAsync(caller, Permissions.TokensRevokeAll, cancellationToken: cancellationToken)))
        {
            return await NotFoundAsync(db, audit, http, caller, "token.delete", id, cancellationToken);
        }

        if (token.RevokedAt is null)
        {
            token.RevokedAt = time.GetUtcNow();
            token.RevokedByUserId = caller.UserId;
            token.RevocationReason = own ? "deleted by its owner" : "revoked by an administrator";
            db.AuditEvents.Add(audit.Event(http, "token.delete", "success", caller.Grant, "token", token.Id, token.RevocationReason));
            await db.SaveChangesAsync(cancellationToken);
            Log.TokenRevoked(logger, token.Id, caller.UserId);
        }

        await changes.TokenRevokedAsync(TokenDigest.FromBytes(token.SecretDigest));
        return TypedResults.NoContent();
    }

    /// <summary>Someone else's token, or none at all: the same 404 either way, and an audit entry.</summary>
    private static async Task<ProblemHttpResult> NotFoundAsync(
        LatchkeyDbContext db, AuditLog audit, HttpContext http, Caller caller, string action, string id, CancellationToken cancellationToken)
    {
        db.AuditEvents.Add(audit.Event(http, action, "denied", caller.Grant, "token", id.Length > 64 ? id[..64] : id, "no such token visible to the caller"));
        await db.SaveChangesAsync(cancellationToken);
        return Problems.NotFound("token");
    }

    private static TokenInfo Describe(AccessToken t, TokenOwner owner, DateTimeOffset now, LastUsedRecorder lastUsed)
    {
        var status = t.RevokedAt is not null ? TokenStatus.Revoked
            : t.ExpiresAt <= now ? TokenStatus.Expired
            : TokenStatus.Active;
        // A use not yet written to the store is newer than what the store has.
        var pending = lastUsed.Pending(t.Id);
        var newer = pending is not null && (t.LastUsedAt is null || pending.At > t.LastUsedAt);
        return new TokenInfo(t.Id, t.Name, t.Note, status, t.CreatedAt, t.ExpiresAt,
            newer ? pending!.At : t.LastUsedAt, newer ? pending!.From : t.LastUsedFrom, t.RevokedAt, t.CreatedVia, owner);
    }

}
