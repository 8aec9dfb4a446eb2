using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>A token's uses over the last 90 days, as the API, the console and the CLI show them.</summary>
internal static class TokenUsageReport
{
    public const int Days = 90;

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
