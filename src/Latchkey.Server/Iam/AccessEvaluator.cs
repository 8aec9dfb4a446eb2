using Latchkey.Data;
using Latchkey.Server.Verification;

namespace Latchkey.Server.Iam;

/// <summary>
/// Answers "may this user do this, here?" from the access policies (default deny), those granted to
/// the user and to the user's groups alike, narrowed by the scopes of the token asking. Every door
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

    /// <summary>True when the caller may use <paramref name="permission"/> on the organization, or on the VPC <paramref name="vpcId"/>.</summary>
    public Task<bool> HasOnVpcAsync(Caller caller, string permission, Guid vpcId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Grant.Scopes is { } scopes && !scopes.Allows(permission, vpcId)
            ? Task.FromResult(false)
            : HasOnVpcAsync(caller.OrganizationId, caller.UserId, permission, vpcId, cancellationToken);
    }

    /// <summary>True when a policy grants the user <paramref name="permission"/> on the organization, or on the VPC <paramref name="vpcId"/>.</summary>
    public async Task<bool> HasOnVpcAsync(Guid organizationId, Guid userId, string permission, Guid vpcId, CancellationToken cancellationToken = default)
    {
        var held = await policies.ForUserAsync(organizationId, userId, cancellationToken).ConfigureAwait(false);
        return held.Any(p => Covers(p, PolicyScopeType.Vpc, vpcId) && Grants(p, permission));
    }

    /// <summary>The clusters on which the caller holds <paramref name="permission"/>; null means every cluster of the organization.</summary>
    public Task<HashSet<Guid>?> ClustersWithAsync(Caller caller, string permission, CancellationToken cancellationToken = default) =>
        ScopesWithAsync(caller, permission, PolicyScopeType.Cluster, cancellationToken);

    /// <summary>The VPCs on which the caller holds <paramref name="permission"/>; null means every VPC of the organization.</summary>
    public Task<HashSet<Guid>?> VpcsWithAsync(Caller caller, string permission, CancellationToken cancellationToken = default) =>
        ScopesWithAsync(caller, permission, PolicyScopeType.Vpc, cancellationToken);

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

    private async Task<HashSet<Guid>?> ScopesWithAsync(Caller caller, string permission, PolicyScopeType scopeType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var held = await policies.ForUserAsync(caller.OrganizationId, caller.UserId, cancellationToken).ConfigureAwait(false);
        HashSet<Guid>? owned = held.Any(p => p.ScopeType == PolicyScopeType.Organization && Grants(p, permission))
            ? null
            : [.. held.Where(p => p.ScopeType == scopeType && p.ScopeId is not null && Grants(p, permission)).Select(p => p.ScopeId!.Value)];

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

    private static bool Covers(AccessPolicy policy, Guid? clusterId) => Covers(policy, PolicyScopeType.Cluster, clusterId);

    private static bool Covers(AccessPolicy policy, PolicyScopeType scopeType, Guid? scopeId) =>
        policy.ScopeType == PolicyScopeType.Organization
        || (scopeId is not null && policy.ScopeType == scopeType && policy.ScopeId == scopeId);

    private static bool Grants(AccessPolicy policy, string permission) =>
        Roles.PermissionsOf.TryGetValue(policy.Role, out var granted) && granted.Contains(permission);
}
