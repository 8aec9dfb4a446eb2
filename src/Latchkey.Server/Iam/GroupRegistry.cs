using System.Text.RegularExpressions;
using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;
using Group = Latchkey.Data.Group;

namespace Latchkey.Server.Iam;

/// <summary>
/// Groups and their members (iam:manage), from the API and the console: the rules, the rows and
/// the audit event together. Every change reaches the policy caches of every replica at once,
/// since a user's groups decide their access.
/// </summary>
internal sealed partial class GroupRegistry(AccessEvaluator access, ChangeFeed changes, AuditLog audit, TimeProvider time)
{
    public const int MaxNameLength = 64;

    public static readonly Refused NotAllowed = Refused.Forbidden("Managing groups needs the org-admin role.");

    private static readonly Refused NoSuchGroup = Refused.NotFound("No group with that id exists in your organization.");

    public Task<bool> MayManageAsync(Caller caller, CancellationToken cancellationToken) =>
        access.HasAsync(caller, Permissions.IamManage, cancellationToken: cancellationToken);

    /// <summary>The organization's groups (or the one with <paramref name="only"/>), by name, with their members.</summary>
    public static async Task<List<GroupInfo>> ListAsync(LatchkeyDbContext db, Caller caller, CancellationToken cancellationToken, Guid? only = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var groups = await db.Groups.AsNoTracking()
            .Where(g => g.OrganizationId == caller.OrganizationId && (only == null || g.Id == only))
            .OrderBy(g => g.NormalizedName)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var ids = groups.Select(g => g.Id).ToList();
        var members = (await db.GroupMembers.AsNoTracking()
                .Where(m => ids.Contains(m.GroupId))
                .OrderBy(m => m.User.NormalizedEmail)
                .Select(m => new { m.GroupId, Member = new UserInfo(m.User.Id, m.User.Email, m.User.DisplayName) })
                .ToListAsync(cancellationToken).ConfigureAwait(false))
            .ToLookup(m => m.GroupId, m => m.Member);
        return [.. groups.Select(g => new GroupInfo(g.Id, g.Name, g.CreatedAt, [.. members[g.Id]]))];
    }

    public async Task<Outcome<Group>> CreateAsync(LatchkeyDbContext db, HttpContext http, Caller caller, string? name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        if (!await MayManageAsync(caller, cancellationToken).ConfigureAwait(false))
        {
            return await audit.DeniedAsync(db, http, caller, "group.create", "group", Truncate(name), NotAllowed, cancellationToken).ConfigureAwait(false);
        }

        if (await CheckNameAsync(db, caller, name, null, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        var group = new Group
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = caller.OrganizationId,
            Name = name!,
            NormalizedName = name!.ToLowerInvariant(),
            CreatedAt = time.GetUtcNow(),
        };
        db.Groups.Add(group);
        db.AuditEvents.Add(audit.Event(http, "group.create", "success", caller.Grant, "group", group.Name));
        await SaveAsync(db, cancellationToken).ConfigureAwait(false);
        return group;
    }

    public async Task<Outcome<Group>> RenameAsync(LatchkeyDbContext db, HttpContext http, Caller caller, Guid id, string? name, CancellationToken cancellationToken)
    {
        var (group, refusedAccess) = await FindForChangeAsync(db, http, caller, id, "group.rename", cancellationToken).ConfigureAwait(false);
        if (group is null)
        {
            return refusedAccess!;
        }

        if (await CheckNameAsync(db, caller, name, id, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        if (group.Name == name)
        {
            return group;
        }

        db.AuditEvents.Add(audit.Event(http, "group.rename", "success", caller.Grant, "group", name, $"renamed from {group.Name}"));
        group.Name = name!;
        group.NormalizedName = name!.ToLowerInvariant();
        await SaveAsync(db, cancellationToken).ConfigureAwait(false);
        return group;
    }

    /// <summary>Deletes the group, its memberships (by cascade) and the policies granted to it.</summary>
    public async Task<Outcome<Group>> DeleteAsync(LatchkeyDbContext db, HttpContext http, Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var (group, refusedAccess) = await FindForChangeAsync(db, http, caller, id, "group.delete", cancellationToken).ConfigureAwait(false);
        if (group is null)
        {
            return refusedAccess!;
        }

        var policies = await db.AccessPolicies
            .Where(p => p.OrganizationId == caller.OrganizationId && p.PrincipalType == PrincipalType.Group && p.PrincipalId == id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var memberCount = await db.GroupMembers.CountAsync(m => m.GroupId == id, cancellationToken).ConfigureAwait(false);
        db.AccessPolicies.RemoveRange(policies);
        db.Groups.Remove(group);
        db.AuditEvents.Add(audit.Event(http, "group.delete", "success", caller.Grant, "group", group.Name,
            $"deleted with {memberCount} member(s) and {policies.Count} access policy(ies)"));
        return await SaveUnlessLastAdminAsync(db, caller, h => h.GroupId == id, cancellationToken).ConfigureAwait(false) ?? (Outcome<Group>)group;
    }

    /// <summary>Adds a member of the organization to the group; adding someone already in it changes nothing.</summary>
    public async Task<Outcome<Group>> AddMemberAsync(LatchkeyDbContext db, HttpContext http, Caller caller, Guid id, Guid userId, CancellationToken cancellationToken)
    {
        var (group, refusedAccess) = await FindForChangeAsync(db, http, caller, id, "group.member.add", cancellationToken).ConfigureAwait(false);
        if (group is null)
        {
            return refusedAccess!;
        }

        var user = await db.Users.AsNoTracking()
            .SingleOrDefaultAsync(u => u.Id == userId && u.OrganizationId == caller.OrganizationId, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            return await audit.DeniedAsync(db, http, caller, "group.member.add", "group", group.Name,
                Refused.NotFound("No user with that id exists in your organization."), cancellationToken).ConfigureAwait(false);
        }

        if (await db.GroupMembers.AnyAsync(m => m.GroupId == id && m.UserId == userId, cancellationToken).ConfigureAwait(false))
        {
            return group;
        }

        db.GroupMembers.Add(new GroupMember { GroupId = id, UserId = userId, AddedAt = time.GetUtcNow() });
        db.AuditEvents.Add(audit.Event(http, "group.member.add", "success", caller.Grant, "group", group.Name, $"added {user.Email}"));
        await SaveAsync(db, cancellationToken).ConfigureAwait(false);
        return group;
    }

    public async Task<Outcome<Group>> RemoveMemberAsync(LatchkeyDbContext db, HttpContext http, Caller caller, Guid id, Guid userId, CancellationToken cancellationToken)
    {
        var (group, refusedAccess) = await FindForChangeAsync(db, http, caller, id, "group.member.remove", cancellationToken).ConfigureAwait(false);
        if (group is null)
        {
            return refusedAccess!;
        }

        var membership = await db.GroupMembers.Include(m => m.User)
            .SingleOrDefaultAsync(m => m.GroupId == id && m.UserId == userId, cancellationToken).ConfigureAwait(false);
        if (membership is null)
        {
            return await audit.DeniedAsync(db, http, caller, "group.member.remove", "group", group.Name,
                Refused.NotFound("That user is not a member of this group."), cancellationToken).ConfigureAwait(false);
        }

        db.GroupMembers.Remove(membership);
        db.AuditEvents.Add(audit.Event(http, "group.member.remove", "success", caller.Grant, "group", group.Name, $"removed {membership.User.Email}"));
        return await SaveUnlessLastAdminAsync(db, caller, h => h.GroupId == id && h.UserId == userId, cancellationToken).ConfigureAwait(false)
            ?? (Outcome<Group>)group;
    }

    /// <summary>The group to change, or (audited) why not: no permission, or no such group in the caller's organization.</summary>
    private async Task<(Group? Group, Refused? Refused)> FindForChangeAsync(
        LatchkeyDbContext db, HttpContext http, Caller caller, Guid id, string action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        if (!await MayManageAsync(caller, cancellationToken).ConfigureAwait(false))
        {
            return (null, await audit.DeniedAsync(db, http, caller, action, "group", id.ToString(), NotAllowed, cancellationToken).ConfigureAwait(false));
        }

        var group = await db.Groups.SingleOrDefaultAsync(g => g.Id == id && g.OrganizationId == caller.OrganizationId, cancellationToken).ConfigureAwait(false);
        return group is not null
            ? (group, null)
            : (null, await audit.DeniedAsync(db, http, caller, action, "group", id.ToString(), NoSuchGroup, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<Refused?> CheckNameAsync(LatchkeyDbContext db, Caller caller, string? name, Guid? renaming, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(name) || !GroupName().IsMatch(name))
        {
            return Refused.Invalid("name", $"The group name must be 1-{MaxNameLength} letters, digits, '-', '_' or '.', such as platform-team.");
        }

        var normalized = name.ToLowerInvariant();
        return await db.Groups.AnyAsync(g => g.OrganizationId == caller.OrganizationId && g.NormalizedName == normalized && g.Id != renaming, cancellationToken)
            .ConfigureAwait(false)
            ? Refused.Conflict($"A group named '{name}' already exists in your organization (names are compared without case).", "name")
            : null;
    }

    private async Task SaveAsync(LatchkeyDbContext db, CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await changes.PoliciesChangedAsync().ConfigureAwait(false);
    }

    private async Task<Refused?> SaveUnlessLastAdminAsync(LatchkeyDbContext db, Caller caller, Func<LastAdmin.Holding, bool> removed, CancellationToken cancellationToken)
    {
        if (await LastAdmin.SaveUnlessLastAsync(db, caller.OrganizationId, removed, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        await changes.PoliciesChangedAsync().ConfigureAwait(false);
        return null;
    }

    private static string? Truncate(string? text) => text is { Length: > MaxNameLength } ? text[..MaxNameLength] : text;

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex GroupName();
}
