using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Latchkey.Server.Tokens;

/// <summary>The organization's tokens as token admins see them: who may read which, and revoking many at once.</summary>
internal static class TokenInventory
{
    public const int MaxRevokeBatch = 1000;
    public const int MaxReasonLength = 200;

    /// <summary>One's own tokens need tokens:own (a scoped token may lack it); others' need tokens:read-all.</summary>
    public static async Task<bool> MayReadAsync(AccessEvaluator access, Caller caller, Guid ownerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(caller);
        return (ownerId == caller.UserId && await access.HasAsync(caller, Permissions.TokensOwn, cancellationToken: cancellationToken).ConfigureAwait(false))
            || await access.HasAsync(caller, Permissions.TokensReadAll, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public static async Task<Results<Ok<RevokedTokens>, ValidationProblem>> RevokeMany(
        RevokeTokensRequest request, Caller caller, LatchkeyDbContext db, TokenRevocation revocation, HttpContext http, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Ids is not { Count: > 0 } ids)
        {
            return Problems.Invalid("ids", "ids must list at least one token id.");
        }

        if (ids.Count > MaxRevokeBatch)
        {
            return Problems.Invalid("ids", $"At most {MaxRevokeBatch} tokens can be revoked in one request; {ids.Count} were given.");
        }

        if (ids.Any(string.IsNullOrWhiteSpace))
        {
            return Problems.Invalid("ids", "ids may not contain empty entries.");
        }

        var reason = request.Reason?.Trim();
        if (reason is { Length: > MaxReasonLength } || (reason is not null && !Http.TextRules.IsCleanLine(reason)))
        {
            return Problems.Invalid("reason", $"reason must be one line of at most {MaxReasonLength} characters.");
        }

        var revoked = new List<string>();
        var notFound = new List<string>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            (await revocation.RevokeAsync(db, http, caller, id, cancellationToken, string.IsNullOrEmpty(reason) ? null : reason) ? revoked : notFound).Add(id);
        }

        return TypedResults.Ok(new RevokedTokens(revoked, notFound));
    }
}
