using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Iam;

/// <summary>Which policies to list; every part is optional.</summary>
internal sealed record PolicyFilter(PrincipalType? PrincipalType = null, Guid? PrincipalId = null, string? Role = null,
    PolicyScopeType? ScopeType = null, Guid? ScopeId = null, Guid? Id = null);

/// <summary>
/// Granting and revoking access policies (iam:manage), from the API and the console. A change is
/// announced through the change feed, so every door of every replica decides by it on its next request.
/// </summary>
internal sealed class PolicyRegistry(AccessEvaluator access, ChangeFeed changes, AuditLog audit, TimeProvider time)
{
    public static readonly Refused NotAllowed = Refused.Forbidden("Managing access policies needs the org-admin role.");

    public Task<bool> MayManageAsync(Caller caller, CancellationToken cancellationToken) =>
        access.HasAsync(caller, Permissions.IamManage, cancellationToken: cancellationToken);

    public static async Task<List<PolicyInfo>> ListAsync(LatchkeyDbContext db, Caller caller, PolicyFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(filter);
        var policies = await db.AccessPolicies.AsNoTracking()
            .Where(p => p.OrganizationId == caller.OrganizationId
                && (filter.Id == null || p.Id == filter.Id)
                && (filter.PrincipalType == null || p.PrincipalType == filter.PrincipalType)
                && (filter.PrincipalId == null || p.PrincipalId == filter.PrincipalId)
                && (filter.Role == null || p.Role == filter.Role)
                && (filter.ScopeType == null || p.ScopeType == filter.ScopeType)
                && (filter.ScopeId == null || p.ScopeId == filter.ScopeId))
            .OrderBy(p => p.CreatedAt).ThenBy(p => p.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return await PolicyDescriptions.DescribeAsync(db, policies, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Grants one role, or every role of a legacy preset, all or nothing.</summary>
    public async Task<Outcome<List<PolicyInfo>>> GrantAsync(LatchkeyDbContext db, HttpContext http, Caller caller, CreatePolicyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (!await MayManageAsync(caller, cancellationToken).ConfigureAwait(false))
        {
            return await audit.DeniedAsync(db, http, caller, "policy.create", "policy", null, NotAllowed, cancellationToken).ConfigureAwait(false);
        }

        var read = await PolicyRequests.ReadAsync(db, caller, request, cancellationToken).ConfigureAwait(false);
        if (read.Value is not { } grant)
        {
            return read.Refused!;
        }

        var held = await db.AccessPolicies.AsNoTracking()
            .Where(p => p.OrganizationId == caller.OrganizationId && p.PrincipalType == grant.PrincipalType && p.PrincipalId == grant.PrincipalId
                && p.ScopeType == grant.ScopeType && p.ScopeId == grant.ScopeId && grant.Roles.Contains(p.Role))
            .Select(p => new { p.Id, p.Role })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (held is not null)
        {
            return Refused.Conflict($"{Describe(grant.PrincipalType)} {grant.PrincipalName} already holds {held.Role} on {Describe(grant)} (policy {held.Id}). Nothing was granted.");
        }

        var now = time.GetUtcNow();
        var created = grant.Roles.Select(role => new AccessPolicy
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = caller.OrganizationId,
            PrincipalType = grant.PrincipalType,
            PrincipalId = grant.PrincipalId,
            Role = role,
            ScopeType = grant.ScopeType,
            ScopeId = grant.ScopeId,
            CreatedAt = now,
            CreatedByUserId = caller.UserId,
        }).ToList();
        db.AccessPolicies.AddRange(created);
        foreach (var policy in created)
        {
            db.AuditEvents.Add(audit.Event(http, "policy.create", "success", caller.Grant, "policy", policy.Id.ToString(),
                $"{policy.Role} for {Describe(grant.PrincipalType)} {grant.PrincipalName} on {Describe(grant)}"
                + (request.Preset is null ? "" : $" (preset {request.Preset})")));
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await changes.PoliciesChangedAsync().ConfigureAwait(false);
        return await PolicyDescriptions.DescribeAsync(db, created, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Outcome<PolicyInfo>> RevokeAsync(LatchkeyDbContext db, HttpContext http, Caller caller, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        if (!await MayManageAsync(caller, cancellationToken).ConfigureAwait(false))
        {
            return await audit.DeniedAsync(db, http, caller, "policy.delete", "policy", id.ToString(), NotAllowed, cancellationToken).ConfigureAwait(false);
        }

        var policy = await db.AccessPolicies.SingleOrDefaultAsync(p => p.Id == id && p.OrganizationId == caller.OrganizationId, cancellationToken).ConfigureAwait(false);
        if (policy is null)
        {
            return await audit.DeniedAsync(db, http, caller, "policy.delete", "policy", id.ToString(),
                Refused.NotFound("No access policy with that id exists in your organization."), cancellationToken).ConfigureAwait(false);
        }

        var described = (await PolicyDescriptions.DescribeAsync(db, [policy], cancellationToken).ConfigureAwait(false)).Single();
        db.AccessPolicies.Remove(policy);
        db.AuditEvents.Add(audit.Event(http, "policy.delete", "success", caller.Grant, "policy", policy.Id.ToString(),
            $"{policy.Role} for {described.Principal.Type} {described.Principal.Name} on {described.Scope.Type} {described.Scope.Name}"));
        if (await LastAdmin.SaveUnlessLastAsync(db, caller.OrganizationId, h => h.PolicyId == id, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        await changes.PoliciesChangedAsync().ConfigureAwait(false);
        return described;
    }

    private static string Describe(PrincipalType type) => PolicyDescriptions.Wire(type);

    private static string Describe(PolicyGrant grant) => $"{PolicyDescriptions.Wire(grant.ScopeType)} {grant.ScopeName}";
}
