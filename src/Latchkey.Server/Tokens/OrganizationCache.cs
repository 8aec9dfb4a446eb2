using Latchkey.Data;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>
/// Each organization's row (name and token policy), read from the store and kept briefly, so that
/// creating a token costs no read before its write. A change to the token policy is published on
/// the change feed and drops the entry here and on every other replica, so the next token is
/// checked against the new rules; the short lifetime bounds staleness should a notice be missed.
/// Entries are untracked and shared: callers read them and never change them.
/// </summary>
internal sealed class OrganizationCache(IDbContextFactory<LatchkeyDbContext> store, TimeProvider time, Data.FeedCurrency currency)
{
    private static readonly Func<LatchkeyDbContext, Guid, CancellationToken, Task<Organization?>> Find =
        EF.CompileAsyncQuery((LatchkeyDbContext db, Guid id, CancellationToken _) => db.Organizations.AsNoTracking().SingleOrDefault(o => o.Id == id));

    private readonly ExpiringCache<Guid, Organization> entries = new(time, TimeSpan.FromSeconds(30), 10_000, currency);

    public async ValueTask<Organization> GetAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        // Read before the store: a change published while the row is being read keeps the stale row out.
        var generation = entries.Generation;
        if (entries.TryGet(organizationId, out var cached))
        {
            return cached;
        }

        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var organization = await Find(db, organizationId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Organization {organizationId} does not exist.");
            entries.Set(organizationId, organization, generation);
            return organization;
        }
    }

    public void Forget(Guid organizationId) => entries.Evict(organizationId);

    public void ForgetAll() => entries.EvictWhere(_ => true);
}
