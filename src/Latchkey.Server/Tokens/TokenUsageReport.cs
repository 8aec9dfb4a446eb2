using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>A token's uses over the last 90 days, as the API, the console and the CLI show them.</summary>
internal static class TokenUsageReport
{
    public const int Days = 90;

    /// <summary>
    /// The token with its owner, when the caller may see it: their own, or any of the organization's
    /// with tokens:read-all. Null otherwise (someone else's looks like none at all).
    /// </summary>
    public static async Task<(AccessToken Token, TokenOwner Owner)?> FindVisibleAsync(
        LatchkeyDbContext db, AccessEvaluator access, Caller caller, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(caller);
        var found = await db.AccessTokens.AsNoTracking()
            .Where(t => t.Id == id && t.OrganizationId == caller.OrganizationId)
            .Select(t => new { Token = t, t.User.Email, t.User.DisplayName })
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (found is null || (found.Token.UserId != caller.UserId
            && !await access.HasAsync(caller, Permissions.TokensReadAll, cancellationToken: cancellationToken).ConfigureAwait(false)))
        {
            return null;
        }

        return (found.Token, new TokenOwner(found.Token.UserId, found.Email, found.DisplayName));
    }

    /// <summary>Writes this process's pending counts first, so that a use a moment ago is in the answer.</summary>
    public static async Task<TokenUsage> ReadAsync(
        LatchkeyDbContext db, UsageRecorder recorder, string tokenId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(recorder);
        await recorder.FlushAsync(cancellationToken).ConfigureAwait(false);
        var to = DateOnly.FromDateTime(now.UtcDateTime);
        var from = to.AddDays(1 - Days);
        var days = await db.TokenUsageDays.AsNoTracking()
            .Where(u => u.TokenId == tokenId && u.Day >= from)
            .OrderBy(u => u.Day).ThenBy(u => u.Door)
            .Select(u => new UsageDay(u.Day, u.Door, u.Count))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var sources = await db.TokenSources.AsNoTracking()
            .Where(s => s.TokenId == tokenId)
            .OrderByDescending(s => s.LastSeenAt)
            .Take(UsageRecorder.RecentSources)
            .Select(s => new UsageSource(s.Address, s.LastSeenAt))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return new TokenUsage(tokenId, from, to, days, sources);
    }
}
