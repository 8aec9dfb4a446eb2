using Latchkey.Data;
using Latchkey.Server.Verification;

namespace Latchkey.Server.Iam;

/// <summary>
/// Answers "may this user do this, here?" from the access policies (default deny). Every door
/// asks here: the REST API, the webhooks and forward-auth.
/// </summary>
internal sealed class AccessEvaluator(PolicyCache policies)
{
    public Task<bool> HasAsync(Caller caller, string permission, Guid? clusterId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return HasAsync(caller.Grant, permission, clusterId, cancellationToken);
    }

    /// <summary>The owner's rights intersected with the token's scopes: what this token may do.</summary>
    public Task<bool> HasAsync(TokenGrant grant, string permission, Guid? clusterId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (grant.Scopes is { } scopes && !scopes.Allows(permission, clusterId))
        {
            return Task.FromResult(false);
        }

        // Every member manages their own tokens; only a token's scopes can take that away.
        return permission == Permissions.TokensOwn
            ? Task.FromResult(true)
            : HasAsync(grant.OrganizationId, grant.UserId, permission, clusterId, cancellationToken);
    }

    /// <summary>True when a policy grants <paramref name="permission"/> on the organization, or on <paramref name="clusterId"/>.</summary>
    public async Task<bool> HasAsync(Guid organizationId, Guid userId, string permission, Guid? clusterId = null, CancellationToken cancellationToken = default)
    {
        foreach (var policy in await policies.ForUserAsync(organizationId, userId, cancellationToken).ConfigureAwait(false))
        {
            if (Covers(policy, clusterId) && Grants(policy, permission))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The clusters on which the caller holds <paramref name="permission"/>; null means every cluster of the organization.</summary>
    public async Task<HashSet<Guid>?> ClustersWithAsync(Caller caller, string permission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var held = await policies.ForUserAsync(caller.OrganizationId, caller.UserId, cancellationToken).ConfigureAwait(false);
        HashSet<Guid>? owned = held.Any(p => p.ScopeType == PolicyScopeType.Organization && Grants(p, permission))
            ? null
            : [.. held.Where(p => p.ScopeType == PolicyScopeType.Cluster && p.ScopeId is not null && Grants(p, permission)).Select(p => p.ScopeId!.Value)];
        // No scopes, or scopes that grant the permission organization-wide, leave the owner's set as it is.
        if (caller.Grant.Scopes?.ResourcesFor(permission) is not { } scoped)
        {
            return owned;
        }

        if (owned is not null)
        {
            scoped.IntersectWith(owned);
        }

        return scoped;
    }

    /// <summary>What this token may do on one cluster: its owner's permissions there, narrowed by its scopes.</summary>
    public async Task<HashSet<string>> PermissionsOnClusterAsync(TokenGrant grant, Guid clusterId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var granted = await PermissionsOnClusterAsync(grant.OrganizationId, grant.UserId, clusterId, cancellationToken).ConfigureAwait(false);
        if (grant.Scopes is { } scopes)
        {
            granted.RemoveWhere(p => !scopes.Allows(p, clusterId));
        }

        return granted;
    }

    /// <summary>Every permission the user holds on one cluster (policies on the organization count too).</summary>
    public async Task<HashSet<string>> PermissionsOnClusterAsync(Guid organizationId, Guid userId, Guid clusterId, CancellationToken cancellationToken = default)
    {
        var granted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var policy in await policies.ForUserAsync(organizationId, userId, cancellationToken).ConfigureAwait(false))
        {
            if (Covers(policy, clusterId) && Roles.PermissionsOf.TryGetValue(policy.Role, out var permissions))
            {
                granted.UnionWith(permissions);
            }
        }

        return granted;
    }

    private static bool Covers(AccessPolicy policy, Guid? clusterId) =>
        policy.ScopeType == PolicyScopeType.Organization
        || (clusterId is not null && policy.ScopeType == PolicyScopeType.Cluster && policy.ScopeId == clusterId);

    private static bool Grants(AccessPolicy policy, string permission) =>
        Roles.PermissionsOf.TryGetValue(policy.Role, out var granted) && granted.Contains(permission);
}
