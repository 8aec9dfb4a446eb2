using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>
/// Turns the scopes a request names (<c>metrics:read</c>, <c>clusters:view:prod-1</c>) into a
/// <see cref="TokenScopeSet"/>, and checks it is no wider than what the caller may hand out.
/// </summary>
internal sealed class TokenScopeRules(AccessEvaluator access)
{
    public const int MaxScopes = 50;

    /// <summary>Null scopes with no error mean an unscoped token.</summary>
    public async Task<(TokenScopeSet? Scopes, (string Field, string Message)? Error)> ResolveAsync(
        LatchkeyDbContext db, Caller caller, IReadOnlyList<string>? requested, Organization organization, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(organization);
        if (requested is null)
        {
            // A narrowed token can only make tokens as narrow as itself: it inherits its own scopes.
            return MintableError(caller.Grant.Scopes, organization) is { } mintError ? (null, mintError) : (caller.Grant.Scopes, null);
        }

        if (requested.Count == 0)
        {
            return (null, ("scopes", "scopes must name at least one permission; leave scopes out for a token with all of your rights."));
        }

        if (requested.Count > MaxScopes)
        {
            return (null, ("scopes", $"A token may carry at most {MaxScopes} scopes; {requested.Count} were given."));
        }

        var entries = new List<TokenScope>();
        foreach (var text in requested)
        {
            var (entry, error, named) = await ParseAsync(db, organization.Id, text?.Trim() ?? "", cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                return (null, ("scopes", error));
            }

            // A cluster or VPC that does not exist and one the caller holds nothing on get the same
            // sentence: a scope is no way to learn which names exist.
            if (named is not null && (entry is null || !await OwnerHoldsAsync(organization.Id, caller.UserId, entry.Value, cancellationToken).ConfigureAwait(false)))
            {
                return (null, ("scopes", $"'{text}' names no {named} on which you hold that permission; "
                    + "a scope can only narrow rights you have ('GET /api/v1/whoami' shows them)."));
            }

            if (named is null && !await OwnerHoldsAsync(organization.Id, caller.UserId, entry!.Value, cancellationToken).ConfigureAwait(false))
            {
                return (null, ("scopes", $"'{text}' is wider than your own rights: you do not hold {entry.Value.Permission} "
                    + "on the whole organization (name a cluster or VPC you hold it on, if any)."));
            }

            if (caller.Grant.Scopes is { } own && !own.Allows(entry!.Value.Permission, entry.Value.ResourceId))
            {
                return (null, ("scopes", $"'{text}' is wider than the scopes of the token you are using; a token can only make narrower ones."));
            }

            entries.Add(entry!.Value);
        }

        var scopes = TokenScopeSet.Of(entries);
        return MintableError(scopes, organization) is { } policyError ? (null, policyError) : (scopes, null);
    }

    private async Task<bool> OwnerHoldsAsync(Guid organizationId, Guid userId, TokenScope entry, CancellationToken cancellationToken) =>
        entry.Permission == Permissions.TokensOwn
        || (TokenScopeSet.Grantable[entry.Permission] == ScopeResource.Vpc && entry.ResourceId is { } vpcId
            ? await access.HasOnVpcAsync(organizationId, userId, entry.Permission, vpcId, cancellationToken).ConfigureAwait(false)
            : await access.HasAsync(organizationId, userId, entry.Permission, entry.ResourceId, cancellationToken).ConfigureAwait(false));

    public static (string Field, string Message)? MintableError(TokenScopeSet? scopes, Organization organization)
    {
        if (organization.MintablePermissions is not { } allowed)
        {
            return null;
        }

        var mintable = allowed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (scopes is null)
        {
            return ("scopes", $"Your organization requires every token to be scoped; name scopes from: {string.Join(", ", mintable)}.");
        }

        var outside = scopes.Entries.FirstOrDefault(e => !mintable.Contains(e.Permission, StringComparer.Ordinal));
        return outside.Permission is null
            ? null
            : ("scopes", $"Your organization does not let members mint tokens with {outside.Permission}; allowed: {string.Join(", ", mintable)}.");
    }

    /// <summary>
    /// The scope a text names. <c>Named</c> is "cluster" or "VPC" when the text names one, and the
    /// entry is null when no such name exists in the organization.
    /// </summary>
    private static async Task<(TokenScope? Entry, string? Error, string? Named)> ParseAsync(
        LatchkeyDbContext db, Guid organizationId, string text, CancellationToken cancellationToken)
    {
        if (TokenScopeSet.Grantable.ContainsKey(text))
        {
            return (new TokenScope(text), null, null);
        }

        var first = text.IndexOf(':', StringComparison.Ordinal);
        var second = first < 0 ? -1 : text.IndexOf(':', first + 1);
        var permission = second < 0 ? text : text[..second];
        if (!TokenScopeSet.Grantable.TryGetValue(permission, out var resource))
        {
            return (null, $"'{text}' is not a scope. Use a permission ({string.Join(", ", TokenScopeSet.Grantable.Keys.Order(StringComparer.Ordinal))}), "
                + "optionally followed by ':' and a cluster or VPC name, such as clusters:view:prod-1.", null);
        }

        var name = text[(second + 1)..];
        switch (resource)
        {
            case ScopeResource.Cluster:
                var cluster = await db.Clusters.AsNoTracking().Where(c => c.OrganizationId == organizationId && c.Name == name)
                    .Select(c => (Guid?)c.Id).SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
                return (cluster is { } clusterId ? new TokenScope(permission, clusterId) : null, null, "cluster");
            case ScopeResource.Vpc:
                var vpc = await ScopeNames.FindVpcAsync(db, organizationId, name, cancellationToken).ConfigureAwait(false);
                return (vpc is { } vpcId ? new TokenScope(permission, vpcId) : null, null, "VPC");
            default:
                return (null, $"{permission} applies to the whole organization and cannot be narrowed to '{name}'; use '{permission}' alone.", null);
        }
    }
}
