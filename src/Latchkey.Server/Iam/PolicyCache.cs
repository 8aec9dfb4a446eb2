using Latchkey.Data;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Iam;

/// <summary>
/// Each user's access policies, read from the store and kept briefly. Any change to policies,
/// groups or users calls <see cref="Invalidate"/>, so a removed role takes effect on the next
/// request of this process; the short lifetime bounds staleness for changes made elsewhere.
/// </summary>
internal sealed class PolicyCache(IDbContextFactory<LatchkeyDbContext> store, TimeProvider time, Data.FeedCurrency currency)
{
    private readonly ExpiringCache<Guid, Entry> entries = new(time, TimeSpan.FromSeconds(30), 100_000, currency);

    /// <summary>The policies granted to the user and to every group the user belongs to.</summary>
    public async ValueTask<IReadOnlyList<AccessPolicy>> ForUserAsync(Guid organizationId, Guid userId, CancellationToken cancellationToken = default) =>
        (await EntryAsync(organizationId, userId, cancellationToken).ConfigureAwait(false)).Policies;

    /// <summary>The names of the user's groups, in ordinal order (TokenReview reports them as <c>latchkey:group:&lt;name&gt;</c>).</summary>
    public async ValueTask<IReadOnlyList<string>> GroupsOfAsync(Guid organizationId, Guid userId, CancellationToken cancellationToken = default) =>
        (await EntryAsync(organizationId, userId, cancellationToken).ConfigureAwait(false)).Groups;

    private async ValueTask<Entry> EntryAsync(Guid organizationId, Guid userId, CancellationToken cancellationToken)
    {
        var generation = entries.Generation;
        if (entries.TryGet(userId, out var entry))
        {
            return entry;
        }

        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            // Policies and group names are read together and cached as one entry, so that a
            // membership change can never show up in one and not the other.
            var policies = await db.AccessPolicies.AsNoTracking()
                .Where(p => p.OrganizationId == organizationId
                    && ((p.PrincipalType == PrincipalType.User && p.PrincipalId == userId)
                        || (p.PrincipalType == PrincipalType.Group && db.GroupMembers.Any(m => m.GroupId == p.PrincipalId && m.UserId == userId))))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var groups = await db.GroupMembers.AsNoTracking()
                .Where(m => m.UserId == userId && m.Group.OrganizationId == organizationId)
                .Select(m => m.Group.Name)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            groups.Sort(StringComparer.Ordinal);
            entry = new Entry(policies, groups);
            entries.Set(userId, entry, generation);
            return entry;
        }
    }

    public void Invalidate() => entries.EvictWhere(_ => true);

    private sealed record Entry(IReadOnlyList<AccessPolicy> Policies, IReadOnlyList<string> Groups);
}
