using System.Collections.Concurrent;
using Latchkey.Data;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>
/// Each organization's row (name and token policy), read from the store and kept briefly, so that
/// creating a token costs no read before its write. A change to the token policy is published on
/// the change feed and drops the entry here and on every other replica, so the next token is
/// checked against the new rules; the short lifetime bounds staleness should a notice be missed.
/// Entries are untracked and shared: callers read them and never change them.
/// </summary>
internal sealed class OrganizationCache(IDbContextFactory<LatchkeyDbContext> store, TimeProvider time)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    private static readonly Func<LatchkeyDbContext, Guid, CancellationToken, Task<Organization?>> Find =
        EF.CompileAsyncQuery((LatchkeyDbContext db, Guid id, CancellationToken _) => db.Organizations.AsNoTracking().SingleOrDefault(o => o.Id == id));

    private readonly ConcurrentDictionary<Guid, Entry> entries = new();
    private long generation;

    public async ValueTask<Organization> GetAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        // Read before the store: a change published while the row is being read makes this entry stale at once.
        var current = Interlocked.Read(ref generation);
        if (entries.TryGetValue(organizationId, out var entry) && entry.Generation == current && now < entry.FreshUntil)
        {
            return entry.Organization;
        }

        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var organization = await Find(db, organizationId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Organization {organizationId} does not exist.");
            entries[organizationId] = new Entry(organization, current, now + Ttl);
            return organization;
        }
    }

    public void Forget(Guid organizationId)
    {
        Interlocked.Increment(ref generation);
        entries.TryRemove(organizationId, out _);
    }

    public void ForgetAll()
    {
        Interlocked.Increment(ref generation);
        entries.Clear();
    }

    private sealed record Entry(Organization Organization, long Generation, DateTimeOffset FreshUntil);
}
