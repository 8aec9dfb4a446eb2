using System.Collections.Frozen;

namespace Latchkey.Server.Iam;

/// <summary>What kind of resource a scope may name after its permission.</summary>
internal enum ScopeResource
{
    None,
    Cluster,
    Vpc,
}

/// <summary>
/// One entry of a token's scopes: a permission, on the whole organization or on one resource.
/// Resources are kept by id, so a cluster deleted and re-created under the same name is not
/// silently covered by an old token.
/// </summary>
internal readonly record struct TokenScope(string Permission, Guid? ResourceId = null)
{
    /// <summary>The stored form: <c>metrics:read</c> or <c>clusters:view:3f2c…</c>.</summary>
    public override string ToString() => ResourceId is { } id ? $"{Permission}:{id:N}" : Permission;
}

/// <summary>
/// The scopes a token was narrowed to. A token without them acts with all of its owner's rights;
/// a token with them acts with the owner's current rights intersected with these, at every door.
/// </summary>
internal sealed class TokenScopeSet
{
    /// <summary>The permissions a scope may name, and what resource each may be narrowed to.</summary>
    public static readonly FrozenDictionary<string, ScopeResource> Grantable = new Dictionary<string, ScopeResource>
    {
        [Permissions.TokensOwn] = ScopeResource.None,
        [Permissions.TokensReadAll] = ScopeResource.None,
        [Permissions.TokensRevokeAll] = ScopeResource.None,
        [Permissions.ClustersAdmin] = ScopeResource.Cluster,
        [Permissions.ClustersView] = ScopeResource.Cluster,
        [Permissions.ClustersManage] = ScopeResource.None,
        [Permissions.VpcsView] = ScopeResource.Vpc,
        [Permissions.VpcsManage] = ScopeResource.Vpc,
        [Permissions.MetricsRead] = ScopeResource.None,
        [Permissions.LogsRead] = ScopeResource.None,
        [Permissions.IamManage] = ScopeResource.None,
        [Permissions.AuditRead] = ScopeResource.None,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private const char Separator = ' ';

    private TokenScopeSet(IReadOnlyList<TokenScope> entries) => Entries = entries;

    public IReadOnlyList<TokenScope> Entries { get; }

    public static TokenScopeSet Of(IEnumerable<TokenScope> entries) =>
        new([.. entries.Distinct().OrderBy(e => e.Permission, StringComparer.Ordinal).ThenBy(e => e.ResourceId)]);

    /// <summary>Null when <paramref name="stored"/> is null (an unscoped token).</summary>
    public static TokenScopeSet? Parse(string? stored)
    {
        if (stored is null)
        {
            return null;
        }

        var entries = new List<TokenScope>();
        foreach (var part in stored.Split(Separator, StringSplitOptions.RemoveEmptyEntries))
        {
            var cut = part.LastIndexOf(':');
            entries.Add(cut > 0 && Guid.TryParseExact(part[(cut + 1)..], "N", out var id)
                ? new TokenScope(part[..cut], id)
                : new TokenScope(part));
        }

        return new TokenScopeSet(entries);
    }

    public string ToStored() => string.Join(Separator, Entries);

    /// <summary>True when the scopes let the token use <paramref name="permission"/> (on <paramref name="resourceId"/>, when given).</summary>
    public bool Allows(string permission, Guid? resourceId = null)
    {
        foreach (var entry in Entries)
        {
            if (string.Equals(entry.Permission, permission, StringComparison.Ordinal)
                && (entry.ResourceId is null || entry.ResourceId == resourceId))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The resources named for <paramref name="permission"/>; null when the scopes grant it on the whole organization.</summary>
    public HashSet<Guid>? ResourcesFor(string permission)
    {
        var ids = new HashSet<Guid>();
        foreach (var entry in Entries.Where(e => string.Equals(e.Permission, permission, StringComparison.Ordinal)))
        {
            if (entry.ResourceId is not { } id)
            {
                return null;
            }

            ids.Add(id);
        }

        return ids;
    }

    /// <summary>True when every entry of this set is also allowed by <paramref name="wider"/>.</summary>
    public bool IsWithin(TokenScopeSet wider) => Entries.All(e => wider.Allows(e.Permission, e.ResourceId));
}
