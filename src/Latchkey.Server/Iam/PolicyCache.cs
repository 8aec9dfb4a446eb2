using System.Collections.Concurrent;
using Latchkey.Data;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Iam;

/// <summary>
/// Each user's access policies, read from the store and kept briefly. Any change to policies,
/// groups or users calls <see cref="Invalidate"/>, so a removed role takes effect on the next
/// request of this process; the short lifetime bounds staleness for changes made elsewhere.
/// </summary>
internal sealed class PolicyCache(IDbContextFactory<LatchkeyDbContext> store, TimeProvider time)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<Guid, Entry> entries = new();
    private long generation;

    public async ValueTask<IReadOnlyList<AccessPolicy>> ForUserAsync(Guid organizationId, Guid userId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var current = Interlocked.Read(ref generation);
        if (entries.TryGetValue(userId, out var entry) && entry.Generation == current && now < entry.FreshUntil)
        {
            return entry.Policies;
        }

        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var policies = await db.AccessPolicies.AsNoTracking()
                .Where(p => p.OrganizationId == organizationId && p.PrincipalType == PrincipalType.User && p.PrincipalId == userId)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            entries[userId] = new Entry(policies, current, now + Ttl);
            return policies;
        }
    }

    public void Invalidate()
    {
        Interlocked.Increment(ref generation);
        entries.Clear();
    }

    private sealed record Entry(IReadOnlyList<AccessPolicy> Policies, long Generation, DateTimeOffset FreshUntil);
}
