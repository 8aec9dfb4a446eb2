using Latchkey.Data;
using Latchkey.Server.Iam;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>Scopes keep resources by id; people read and write them by name.</summary>
internal static class ScopeNames
{
    /// <summary>Cluster and VPC names of one organization, by id.</summary>
    public static async Task<Dictionary<Guid, string>> LoadAsync(LatchkeyDbContext db, Guid organizationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var names = await db.Clusters.AsNoTracking().Where(c => c.OrganizationId == organizationId)
            .ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken).ConfigureAwait(false);
        foreach (var vpc in await db.Vpcs.AsNoTracking().Where(v => v.OrganizationId == organizationId)
            .Select(v => new { v.Id, v.Name }).ToListAsync(cancellationToken).ConfigureAwait(false))
        {
            names[vpc.Id] = vpc.Name;
        }

        return names;
    }

    public static async Task<Guid?> FindVpcAsync(LatchkeyDbContext db, Guid organizationId, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.Vpcs.AsNoTracking().Where(v => v.OrganizationId == organizationId && v.Name == name)
            .Select(v => (Guid?)v.Id).SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The scopes as written in requests, reading the organization's names only for a scoped token.</summary>
    public static async Task<IReadOnlyList<string>?> DescribeAsync(LatchkeyDbContext db, Guid organizationId, TokenScopeSet? scopes, CancellationToken cancellationToken) =>
        scopes is null ? null : Describe(scopes, await LoadAsync(db, organizationId, cancellationToken).ConfigureAwait(false));

    /// <summary>The scopes as written in requests: <c>clusters:view:prod-1</c>; a resource since deleted shows as <c>(deleted)</c>.</summary>
    public static IReadOnlyList<string>? Describe(TokenScopeSet? scopes, IReadOnlyDictionary<Guid, string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return scopes?.Entries.Select(e => e.ResourceId is { } id ? $"{e.Permission}:{names.GetValueOrDefault(id, "(deleted)")}" : e.Permission).ToList();
    }
}
