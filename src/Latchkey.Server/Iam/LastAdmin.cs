using System.Data;
using Latchkey.Data;
using Latchkey.Server.Data;
using Latchkey.Server.Http;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Iam;

/// <summary>
/// An organization keeps at least one active org-admin on the whole organization: without one,
/// nobody could manage its members, policies or clusters any more, and only the operator's
/// database could bring it back. Disabling a user, revoking a policy, taking a user out of a group
/// and deleting a group each save through <see cref="SaveUnlessLastAsync"/>.
/// </summary>
internal static class LastAdmin
{
    /// <summary>How often a change is tried when PostgreSQL keeps aborting it for concurrent ones.</summary>
    public const int MaxAttempts = 10;

    public static readonly Refused Refusal = Refused.Conflict(
        "This would leave your organization without an active org-admin. Grant org-admin to another active member first.");

    /// <summary>One way a user holds org-admin: a policy on the user, or on a group the user is in.</summary>
    public readonly record struct Holding(Guid UserId, Guid PolicyId, Guid? GroupId);

    /// <summary>
    /// Saves the change pending in <paramref name="db"/> (and runs <paramref name="inside"/>) unless,
    /// checked inside the same serializable transaction, no active user would hold org-admin once the
    /// holdings <paramref name="removed"/> picks are gone. Checked outside, two admins disabling each
    /// other at the same moment would both see the other one left and both succeed. On SQLite the
    /// transaction waits its turn at the write gate, so the check sees every change committed before
    /// it; on PostgreSQL the loser of two such transactions is aborted and runs again, and then sees
    /// the winner's change.
    /// </summary>
    /// <returns>Null when saved; else <see cref="Refusal"/>, and the pending change is dropped.</returns>
    public static async Task<Refused?> SaveUnlessLastAsync(LatchkeyDbContext db, Guid organizationId, Func<Holding, bool> removed,
        CancellationToken cancellationToken, Func<CancellationToken, Task>? inside = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(removed);
        for (var attempt = 1; ; attempt++)
        {
            var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                try
                {
                    if (await WouldGoAsync(db, organizationId, removed, cancellationToken).ConfigureAwait(false))
                    {
                        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                        db.ChangeTracker.Clear();
                        return Refusal;
                    }

                    if (inside is not null)
                    {
                        await inside(cancellationToken).ConfigureAwait(false);
                    }

                    // Changes are accepted only after the commit: a retry saves them again.
                    await db.SaveChangesAsync(acceptAllChangesOnSuccess: false, cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (attempt < MaxAttempts && Store.IsSerializationFailure(e))
                {
                    continue;
                }
            }

            db.ChangeTracker.AcceptAllChanges();
            return null;
        }
    }

    private static async Task<bool> WouldGoAsync(LatchkeyDbContext db, Guid organizationId, Func<Holding, bool> removed, CancellationToken cancellationToken)
    {
        var policies = await db.AccessPolicies.AsNoTracking()
            .Where(p => p.OrganizationId == organizationId && p.Role == Roles.OrgAdmin && p.ScopeType == PolicyScopeType.Organization)
            .Select(p => new { p.Id, p.PrincipalType, p.PrincipalId })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var groupIds = policies.Where(p => p.PrincipalType == PrincipalType.Group).Select(p => p.PrincipalId).ToList();
        var members = await db.GroupMembers.AsNoTracking()
            .Where(m => groupIds.Contains(m.GroupId))
            .Select(m => new { m.GroupId, m.UserId })
            .ToListAsync(cancellationToken).ConfigureAwait(false);

        var holdings = policies.Where(p => p.PrincipalType == PrincipalType.User).Select(p => new Holding(p.PrincipalId, p.Id, null))
            .Concat(policies.Where(p => p.PrincipalType == PrincipalType.Group)
                .Join(members, p => p.PrincipalId, m => m.GroupId, (p, m) => new Holding(m.UserId, p.Id, m.GroupId)));
        var remaining = holdings.Where(h => !removed(h)).Select(h => h.UserId).Distinct().ToList();

        // An invited user who has not chosen a password yet cannot act as an admin.
        return !await db.Users.AnyAsync(
            u => u.OrganizationId == organizationId && u.IsActive && u.PasswordHash != "" && remaining.Contains(u.Id),
            cancellationToken).ConfigureAwait(false);
    }
}
