using Latchkey.Data;
using Latchkey.Server.Tokens;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Lifecycle;

/// <summary>Deletes usage counts and source addresses older than the 90 days that are shown. Idempotent, so any replica may run it.</summary>
internal sealed class UsagePruning(IDbContextFactory<LatchkeyDbContext> store, TimeProvider time)
{
    /// <returns>How many rows were deleted.</returns>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var firstKept = DateOnly.FromDateTime(now.UtcDateTime).AddDays(1 - TokenUsageReport.Days);
        var seenSince = now.AddDays(-TokenUsageReport.Days);
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var days = await db.TokenUsageDays.Where(u => u.Day < firstKept).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            var sources = await db.TokenSources.Where(s => s.LastSeenAt < seenSince).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            return days + sources;
        }
    }
}
