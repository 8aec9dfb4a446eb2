using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Tokens;

namespace Latchkey.Server.Iam;

/// <summary>
/// Answers "what can this user or token do, where" from the same policies and scope rules the
/// doors enforce (<see cref="PolicyCache"/>, <see cref="Roles"/>, <see cref="TokenScopeSet"/>).
/// </summary>
internal sealed class EffectiveAccessReader(PolicyCache policies)
{
    private const string OrganizationScope = "organization";

    public async Task<IReadOnlyList<AccessGrant>> ReadAsync(
        LatchkeyDbContext db, Guid organizationId, Guid userId, TokenScopeSet? scopes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var held = await policies.ForUserAsync(organizationId, userId, cancellationToken).ConfigureAwait(false);
        var names = await ScopeNames.LoadAsync(db, organizationId, cancellationToken).ConfigureAwait(false);
        var principals = await PrincipalNames.LoadAsync(db, organizationId, held, cancellationToken).ConfigureAwait(false);

        var grants = new Dictionary<(string Permission, PolicyScopeType Type, Guid? Id), List<AccessSource>>();
        void Add(string permission, PolicyScopeType type, Guid? id, AccessSource source)
        {
            if (!grants.TryGetValue((permission, type, id), out var via))
            {
                grants[(permission, type, id)] = via = [];
            }

            via.Add(source);
        }

        if (scopes is null || scopes.Allows(Permissions.TokensOwn))
        {
            Add(Permissions.TokensOwn, PolicyScopeType.Organization, null, new AccessSource(null, "member", "every member"));
        }

        foreach (var policy in held)
        {
            var source = new AccessSource(policy.Id, policy.Role, principals.GetValueOrDefault(policy.PrincipalId, "user"));
            foreach (var permission in Roles.PermissionsOf.GetValueOrDefault(policy.Role) ?? [])
            {
                if (scopes is null || scopes.Allows(permission, policy.ScopeId))
                {
                    Add(permission, policy.ScopeType, policy.ScopeId, source);
                }
                else if (policy.ScopeType == PolicyScopeType.Organization && scopes.ResourcesFor(permission) is { } narrowed)
                {
                    // Held on the whole organization, but the token names single resources: those are what it gets.
                    foreach (var id in narrowed)
                    {
                        Add(permission, ResourceType(permission), id, source);
                    }
                }
            }
        }

        return [.. grants
            .OrderBy(g => g.Key.Permission, StringComparer.Ordinal).ThenBy(g => g.Key.Type).ThenBy(g => g.Key.Id is { } id ? names.GetValueOrDefault(id) : "")
            .Select(g => new AccessGrant(g.Key.Permission, Describe(g.Key.Type, g.Key.Id, names), g.Value))];
    }

    private static PolicyScopeType ResourceType(string permission) =>
        TokenScopeSet.Grantable.GetValueOrDefault(permission) == ScopeResource.Vpc ? PolicyScopeType.Vpc : PolicyScopeType.Cluster;

    private static AccessScope Describe(PolicyScopeType type, Guid? id, IReadOnlyDictionary<Guid, string> names) => type switch
    {
        PolicyScopeType.Organization => new AccessScope(OrganizationScope),
        PolicyScopeType.Cluster => new AccessScope("cluster", id, id is { } c ? names.GetValueOrDefault(c, "(deleted)") : null),
        _ => new AccessScope("vpc", id, id is { } v ? names.GetValueOrDefault(v, "(deleted)") : null),
    };
}
