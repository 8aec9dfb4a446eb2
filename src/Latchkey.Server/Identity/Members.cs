using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Identity;

/// <param name="Roles">Roles granted to the member directly on the whole organization.</param>
internal sealed record MemberInfo(
    Guid Id, string Email, string DisplayName, bool IsActive, bool InvitationOpen, IReadOnlyList<string> Roles, IReadOnlyList<GroupRef> Groups)
{
    public MemberSummary Summary() => new(Id, Email, DisplayName, !IsActive ? "disabled" : InvitationOpen ? "invited" : "active", Roles, Groups);
}

/// <summary>An invited user and the one-time code of their invitation.</summary>
internal sealed record Invitee(User User, string Code, DateTimeOffset ExpiresAt);

/// <summary>
/// An organization's members, managed by those with iam:manage, from the API and the console:
/// list, invite, disable and re-enable. Each change is audited; disabling makes the user's tokens
/// fail on their next use, at every door of every replica, and ends their console sessions.
/// </summary>
internal sealed class Members(
    AccessEvaluator access, ChangeFeed changes, Invitations invitations, ConsoleSessions sessions, AuditLog audit, TimeProvider time)
{
    public const int MaxDisplayNameLength = 100;

    public Task<bool> MayManageAsync(Caller caller, CancellationToken cancellationToken) =>
        access.HasAsync(caller, Permissions.IamManage, cancellationToken: cancellationToken);

    /// <summary>The members (or the one with <paramref name="only"/>), by email, with their roles on the organization and their groups.</summary>
    public async Task<List<MemberInfo>> ListAsync(LatchkeyDbContext db, Caller caller, CancellationToken cancellationToken, Guid? only = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var now = time.GetUtcNow();
        var users = await db.Users.AsNoTracking().Where(u => u.OrganizationId == caller.OrganizationId && (only == null || u.Id == only)).OrderBy(u => u.NormalizedEmail)
            .Select(u => new { u.Id, u.Email, u.DisplayName, u.IsActive, Open = db.Invitations.Any(i => i.UserId == u.Id && i.UsedAt == null && i.ExpiresAt > now) })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var roles = (await db.AccessPolicies.AsNoTracking()
                .Where(p => p.OrganizationId == caller.OrganizationId && p.PrincipalType == PrincipalType.User && p.ScopeType == PolicyScopeType.Organization
                    && (only == null || p.PrincipalId == only))
                .Select(p => new { p.PrincipalId, p.Role }).ToListAsync(cancellationToken).ConfigureAwait(false))
            .ToLookup(p => p.PrincipalId, p => p.Role);
        var groups = (await db.GroupMembers.AsNoTracking()
                .Where(m => m.Group.OrganizationId == caller.OrganizationId && (only == null || m.UserId == only))
                .OrderBy(m => m.Group.NormalizedName)
                .Select(m => new { m.UserId, Group = new GroupRef(m.GroupId, m.Group.Name) }).ToListAsync(cancellationToken).ConfigureAwait(false))
            .ToLookup(m => m.UserId, m => m.Group);
        return [.. users.Select(u => new MemberInfo(u.Id, u.Email, u.DisplayName, u.IsActive, u.Open, [.. roles[u.Id].Order(StringComparer.Ordinal)], [.. groups[u.Id]]))];
    }

    /// <param name="role">A built-in role to grant on the whole organization, or null for a plain member.</param>
    public async Task<Outcome<Invitee>> InviteAsync(
        LatchkeyDbContext db, HttpContext http, Caller caller, string? email, string? displayName, string? role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        if (!await MayManageAsync(caller, cancellationToken).ConfigureAwait(false))
        {
            return Refused.Forbidden("Inviting members needs the org-admin role.");
        }

        email = email?.Trim();
        if (string.IsNullOrEmpty(email) || email.Length > 254 || email.Count(c => c == '@') != 1 || email[0] == '@' || email[^1] == '@'
            || email.Any(char.IsWhiteSpace) || !TextRules.IsCleanLine(email))
        {
            return Refused.Invalid("email", "Give the email address of the person to invite, such as dev@example.com.");
        }

        displayName = string.IsNullOrWhiteSpace(displayName) ? email.Split('@')[0] : displayName.Trim();
        if (displayName.Length > MaxDisplayNameLength || !TextRules.IsCleanLine(displayName))
        {
            return Refused.Invalid("displayName", $"The name may be at most {MaxDisplayNameLength} characters, without line breaks, {TextRules.HiddenCharacters}.");
        }

        if (role is not null && !Roles.PermissionsOf.ContainsKey(role))
        {
            return Refused.Invalid("role", $"'{role}' is not a role. The roles are: {PolicyRequests.RoleList}.");
        }

        var normalized = email.ToLowerInvariant();
        if (await db.Users.AnyAsync(u => u.NormalizedEmail == normalized, cancellationToken).ConfigureAwait(false))
        {
            return Refused.Conflict("Someone with this email address already has an account.", "email");
        }

        var now = time.GetUtcNow();
        var user = new User
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = caller.OrganizationId,
            Email = email,
            NormalizedEmail = normalized,
            DisplayName = displayName,
            // No password can match an empty hash: the account is usable only after the invitation.
            PasswordHash = "",
            CreatedAt = now,
        };
        db.Users.Add(user);
        if (role is not null)
        {
            db.AccessPolicies.Add(new AccessPolicy
            {
                Id = Guid.CreateVersion7(),
                OrganizationId = caller.OrganizationId,
                PrincipalType = PrincipalType.User,
                PrincipalId = user.Id,
                Role = role,
                ScopeType = PolicyScopeType.Organization,
                CreatedAt = now,
                CreatedByUserId = caller.UserId,
            });
        }

        var code = invitations.Add(db, user, caller.UserId);
        db.AuditEvents.Add(audit.Event(http, "user.invite", "success", caller.Grant, "user", user.Email, role is null ? "member" : $"member with role {role}"));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await changes.PoliciesChangedAsync().ConfigureAwait(false);
        return new Invitee(user, code, db.Invitations.Local.Single(i => i.UserId == user.Id).ExpiresAt);
    }

    /// <summary>Disables or re-enables a member of the caller's organization. Null when done, else why not.</summary>
    public async Task<Refused?> SetActiveAsync(LatchkeyDbContext db, HttpContext http, Caller caller, Guid userId, bool active, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var action = active ? "user.enable" : "user.disable";
        if (!await MayManageAsync(caller, cancellationToken).ConfigureAwait(false))
        {
            return await audit.DeniedAsync(db, http, caller, action, "user", userId.ToString(),
                Refused.Forbidden("Disabling and enabling members needs the org-admin role."), cancellationToken).ConfigureAwait(false);
        }

        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId && u.OrganizationId == caller.OrganizationId, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            return await audit.DeniedAsync(db, http, caller, action, "user", userId.ToString(),
                Refused.NotFound("There is no such member in your organization."), cancellationToken).ConfigureAwait(false);
        }

        if (user.IsActive == active)
        {
            return null;
        }

        if (!active && user.Id == caller.UserId)
        {
            return Refused.Conflict("You cannot disable your own account; ask another admin.");
        }

        user.IsActive = active;
        var audited = audit.Event(http, action, "success", caller.Grant, "user", user.Email);
        db.AuditEvents.Add(audited);
        if (active)
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (await LastAdmin.SaveUnlessLastAsync(db, caller.OrganizationId, h => h.UserId == userId, cancellationToken,
            // Their sessions end for good, in the same transaction: enabling the account later does not bring old cookies back.
            inside: async c => audited.Detail = $"ended {await sessions.EndAllAsync(db, userId, ConsoleSessions.AccountDisabled, c).ConfigureAwait(false)} console session(s)")
            .ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        // Verified tokens are remembered per digest: every replica forgets the user's now, so the next use asks the store.
        await changes.UserChangedAsync(user.Id).ConfigureAwait(false);
        return null;
    }
}
