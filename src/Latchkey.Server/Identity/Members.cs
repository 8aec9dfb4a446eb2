using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Identity;

internal sealed record MemberInfo(Guid Id, string Email, string DisplayName, bool IsActive, bool InvitationOpen, IReadOnlyList<string> Roles);

/// <summary>The outcome of inviting someone: the user and the one-time code, or the field at fault and why.</summary>
internal sealed record InviteResult(User? User, string? Code, string? Field, string? Message);

/// <summary>
/// An organization's members, managed by those with iam:manage: list, invite, disable and
/// re-enable. Each change is audited; disabling makes the user's tokens fail on their next use.
/// </summary>
internal sealed class Members(
    AccessEvaluator access, ChangeFeed changes, Invitations invitations, AuditLog audit, TimeProvider time)
{
    public const int MaxDisplayNameLength = 100;

    public Task<bool> MayManageAsync(Caller caller, CancellationToken cancellationToken) =>
        access.HasAsync(caller, Permissions.IamManage, cancellationToken: cancellationToken);

    public async Task<List<MemberInfo>> ListAsync(LatchkeyDbContext db, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var now = time.GetUtcNow();
        var users = await db.Users.AsNoTracking().Where(u => u.OrganizationId == caller.OrganizationId).OrderBy(u => u.NormalizedEmail)
            .Select(u => new { u.Id, u.Email, u.DisplayName, u.IsActive, Open = db.Invitations.Any(i => i.UserId == u.Id && i.UsedAt == null && i.ExpiresAt > now) })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var roles = (await db.AccessPolicies.AsNoTracking()
                .Where(p => p.OrganizationId == caller.OrganizationId && p.PrincipalType == PrincipalType.User && p.ScopeType == PolicyScopeType.Organization)
                .Select(p => new { p.PrincipalId, p.Role }).ToListAsync(cancellationToken).ConfigureAwait(false))
            .ToLookup(p => p.PrincipalId, p => p.Role);
        return [.. users.Select(u => new MemberInfo(u.Id, u.Email, u.DisplayName, u.IsActive, u.Open, [.. roles[u.Id].Order(StringComparer.Ordinal)]))];
    }

    /// <param name="role">A built-in role to grant on the whole organization, or null for a plain member.</param>
    public async Task<InviteResult> InviteAsync(
        LatchkeyDbContext db, HttpContext http, Caller caller, string? email, string? displayName, string? role, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        if (!await MayManageAsync(caller, cancellationToken).ConfigureAwait(false))
        {
            return new InviteResult(null, null, null, "Inviting members needs the org-admin role.");
        }

        email = email?.Trim();
        if (string.IsNullOrEmpty(email) || email.Length > 254 || email.Count(c => c == '@') != 1 || email[0] == '@' || email[^1] == '@'
            || email.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return new InviteResult(null, null, "email", "Give the email address of the person to invite, such as dev@example.com.");
        }

        displayName = string.IsNullOrWhiteSpace(displayName) ? email.Split('@')[0] : displayName.Trim();
        if (displayName.Length > MaxDisplayNameLength || displayName.Any(char.IsControl))
        {
            return new InviteResult(null, null, "displayName", $"The name may be at most {MaxDisplayNameLength} characters, without line breaks.");
        }

        if (role is not null && !Roles.PermissionsOf.ContainsKey(role))
        {
            return new InviteResult(null, null, "role", "Choose one of the listed roles.");
        }

        var normalized = email.ToLowerInvariant();
        if (await db.Users.AnyAsync(u => u.NormalizedEmail == normalized, cancellationToken).ConfigureAwait(false))
        {
            return new InviteResult(null, null, "email", "Someone with this email address already has an account.");
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
        return new InviteResult(user, code, null, null);
    }

    /// <summary>Disables or re-enables a member of the caller's organization. Null when done, else why not.</summary>
    public async Task<string?> SetActiveAsync(LatchkeyDbContext db, HttpContext http, Caller caller, Guid userId, bool active, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        if (!await MayManageAsync(caller, cancellationToken).ConfigureAwait(false))
        {
            return "Disabling members needs the org-admin role.";
        }

        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId && u.OrganizationId == caller.OrganizationId, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            return "There is no such member in your organization.";
        }

        if (user.Id == caller.UserId)
        {
            return "You cannot disable your own account; ask another admin.";
        }

        if (user.IsActive != active)
        {
            user.IsActive = active;
            db.AuditEvents.Add(audit.Event(http, active ? "user.enable" : "user.disable", "success", caller.Grant, "user", user.Email));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        // Verified tokens are remembered per digest: every replica forgets the user's now, so the next use asks the store.
        await changes.UserChangedAsync(user.Id).ConfigureAwait(false);
        return null;
    }
}
