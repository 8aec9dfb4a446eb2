using Latchkey.Data;
using Latchkey.Server.Http;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Iam;

/// <summary>
/// An organization keeps at least one active org-admin on the whole organization: without one,
/// nobody could manage its members, policies or clusters any more, and only the operator's
/// database could bring it back. Disabling a user, revoking a policy, taking a user out of a group
/// and deleting a group are each checked here first.
/// </summary>
internal static class LastAdmin
{
    public static readonly Refused Refusal = Refused.Conflict(
        "This would leave your organization without an active org-admin. Grant org-admin to another active member first.");

    /// <summary>One way a user holds org-admin: a policy on the user, or on a group the user is in.</summary>
    public readonly record struct Holding(Guid UserId, Guid PolicyId, Guid? GroupId);

    /// <summary>True when no active user would hold org-admin once the holdings <paramref name="removed"/> picks are gone.</summary>
    public static async Task<bool> WouldGoAsync(LatchkeyDbContext db, Guid organizationId, Func<Holding, bool> removed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(removed);
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
