using Latchkey.Data;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Iam;

/// <summary>
/// Answers "may the caller do this, here?" from the access policies in the store, read at each
/// use so that a removed role takes effect on the very next request. Default deny.
/// </summary>
internal sealed class AccessEvaluator(LatchkeyDbContext db)
{
    private List<AccessPolicy>? policies;

    /// <summary>True when a policy grants <paramref name="permission"/> on the organization, or on <paramref name="clusterId"/>.</summary>
    public async Task<bool> HasAsync(Caller caller, string permission, Guid? clusterId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        foreach (var policy in await PoliciesAsync(caller, cancellationToken).ConfigureAwait(false))
        {
            var coversScope = policy.ScopeType == PolicyScopeType.Organization
                || (clusterId is not null && policy.ScopeType == PolicyScopeType.Cluster && policy.ScopeId == clusterId);
            if (coversScope && Roles.PermissionsOf.TryGetValue(policy.Role, out var granted) && granted.Contains(permission))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The clusters on which the caller holds <paramref name="permission"/>; null means every cluster of the organization.</summary>
    public async Task<HashSet<Guid>?> ClustersWithAsync(Caller caller, string permission, CancellationToken cancellationToken = default)
    {
        if (await HasAsync(caller, permission, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return [.. (await PoliciesAsync(caller, cancellationToken).ConfigureAwait(false))
            .Where(p => p.ScopeType == PolicyScopeType.Cluster && p.ScopeId is not null
                && Roles.PermissionsOf.TryGetValue(p.Role, out var granted) && granted.Contains(permission))
            .Select(p => p.ScopeId!.Value)];
    }

    public async Task<IReadOnlyList<string>> RolesAsync(Caller caller, CancellationToken cancellationToken = default) =>
        [.. (await PoliciesAsync(caller, cancellationToken).ConfigureAwait(false))
            .Where(p => p.ScopeType == PolicyScopeType.Organization).Select(p => p.Role).Distinct().Order(StringComparer.Ordinal)];

    private async Task<List<AccessPolicy>> PoliciesAsync(Caller caller, CancellationToken cancellationToken) =>
        policies ??= await db.AccessPolicies.AsNoTracking()
            .Where(p => p.OrganizationId == caller.OrganizationId && p.PrincipalType == PrincipalType.User && p.PrincipalId == caller.UserId)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
}
