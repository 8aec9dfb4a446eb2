using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Iam;

/// <summary>A grant that passed every check: whom, which roles (one, or a preset's), where.</summary>
internal sealed record PolicyGrant(PrincipalType PrincipalType, Guid PrincipalId, string PrincipalName,
    IReadOnlyList<string> Roles, PolicyScopeType ScopeType, Guid? ScopeId, string ScopeName);

/// <summary>Reads a request to grant access: every field checked, names and ids resolved in the caller's organization.</summary>
internal static class PolicyRequests
{
    public static string RoleList => string.Join(", ", Roles.PermissionsOf.Keys.Order(StringComparer.Ordinal));

    public static string PresetList => string.Join(", ", Roles.LegacyPresets.Keys.Order(StringComparer.Ordinal));

    public static async Task<Outcome<PolicyGrant>> ReadAsync(LatchkeyDbContext db, Caller caller, CreatePolicyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Principal is not { } principal)
        {
            return Refused.Invalid("principal", "principal is required: {\"type\": \"user\" or \"group\", \"id\": \"...\"}.");
        }

        if (!PolicyDescriptions.TryParse(principal.Type, out PrincipalType principalType))
        {
            return Refused.Invalid("principal.type", "principal.type must be 'user' or 'group'.");
        }

        if (principal.Id is not { } principalId)
        {
            return Refused.Invalid("principal.id", $"principal.id must be the id of a {principal.Type} of your organization.");
        }

        if (ReadRoles(request) is var (roles, refusedRoles) && roles is null)
        {
            return refusedRoles!;
        }

        if (request.Scope is not { } scope)
        {
            return Refused.Invalid("scope", "scope is required: {\"type\": \"organization\"}, or a cluster or VPC by id or name.");
        }

        if (!PolicyDescriptions.TryParse(scope.Type, out PolicyScopeType scopeType))
        {
            return Refused.Invalid("scope.type", "scope.type must be 'organization', 'cluster' or 'vpc'.");
        }

        if (roles.FirstOrDefault(role => !RoleScopes.Allows(role, scopeType)) is { } misplaced)
        {
            return Refused.Invalid(request.Preset is null ? "role" : "preset",
                $"{RoleScopes.Explain(misplaced)} It cannot be granted on a {scope.Type}.");
        }

        var principalName = principalType == PrincipalType.User
            ? await db.Users.Where(u => u.Id == principalId && u.OrganizationId == caller.OrganizationId).Select(u => u.Email)
                .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false)
            : await db.Groups.Where(g => g.Id == principalId && g.OrganizationId == caller.OrganizationId).Select(g => g.Name)
                .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (principalName is null)
        {
            return Refused.Invalid("principal.id", $"No {principal.Type} with id {principalId} exists in your organization.");
        }

        var (scopeId, scopeName, refusedScope) = await ReadScopeAsync(db, caller, scope, scopeType, cancellationToken).ConfigureAwait(false);
        return refusedScope ?? (Outcome<PolicyGrant>)new PolicyGrant(principalType, principalId, principalName, roles, scopeType, scopeId, scopeName!);
    }

    private static (IReadOnlyList<string>? Roles, Refused? Refused) ReadRoles(CreatePolicyRequest request) => (request.Role, request.Preset) switch
    {
        (null, null) or (not null, not null) => (null, Refused.Invalid("role",
            $"Give either role (one of {RoleList}) or preset (one of the legacy permission groups {PresetList}), not both.")),
        ({ } role, null) when Roles.PermissionsOf.ContainsKey(role) => ([role], null),
        ({ } role, null) => (null, Refused.Invalid("role", $"'{role}' is not a role. The roles are: {RoleList}.")),
        (null, { } preset) when Roles.LegacyPresets.TryGetValue(preset, out var mapped) => (mapped, null),
        (null, { } preset) => (null, Refused.Invalid("preset", $"'{preset}' is not a preset. The presets are: {PresetList}.")),
    };

    private static async Task<(Guid? Id, string? Name, Refused? Refused)> ReadScopeAsync(
        LatchkeyDbContext db, Caller caller, ScopeRequest scope, PolicyScopeType scopeType, CancellationToken cancellationToken)
    {
        if (scopeType == PolicyScopeType.Organization)
        {
            return scope.Id is null && scope.Name is null
                ? (null, caller.Grant.OrganizationSlug, null)
                : (null, null, Refused.Invalid("scope", "A scope of type 'organization' is your whole organization: leave out id and name."));
        }

        if ((scope.Id is null) == (scope.Name is null))
        {
            return (null, null, Refused.Invalid("scope", $"Name the {scope.Type} by scope.id or by scope.name (one of the two)."));
        }

        var found = scopeType == PolicyScopeType.Cluster
            ? await db.Clusters.Where(c => c.OrganizationId == caller.OrganizationId && (c.Id == scope.Id || c.Name == scope.Name))
                .Select(c => new { c.Id, c.Name }).SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false)
            : await db.Vpcs.Where(v => v.OrganizationId == caller.OrganizationId && (v.Id == scope.Id || v.Name == scope.Name))
                .Select(v => new { v.Id, v.Name }).SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            var field = scope.Id is null ? "scope.name" : "scope.id";
            var label = scopeType == PolicyScopeType.Cluster ? "cluster" : "VPC";
            return (null, null, Refused.Invalid(field, scope.Id is null
                ? $"No {label} named '{scope.Name}' exists in your organization."
                : $"No {label} with id {scope.Id} exists in your organization."));
        }

        return (found.Id, found.Name, null);
    }
}
