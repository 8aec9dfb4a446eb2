using Latchkey.Data;
using Latchkey.Server.Identity;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Lifecycle;

/// <summary>
/// Deletes console sessions that can never be used again (ended, or past their absolute end), a
/// batch at a time so that no single delete holds the store for long. Idempotent, so any replica may run it.
/// </summary>
internal sealed class SessionPruning(IDbContextFactory<LatchkeyDbContext> store, TimeProvider time)
{
    public const int BatchSize = 1_000;

    /// <returns>How many rows were deleted.</returns>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var total = 0;
            int deleted;
            do
            {
                deleted = await db.ConsoleSessions.Where(ConsoleSessions.OverAt(now)).OrderBy(s => s.Id).Take(BatchSize)
                    .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
                total += deleted;
            }
            while (deleted == BatchSize);

            return total;
        }
    }
}
