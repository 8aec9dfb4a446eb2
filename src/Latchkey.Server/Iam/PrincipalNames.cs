using Latchkey.Data;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Iam;

/// <summary>How a policy's principal reads in answers: <c>user</c> for the person themselves, <c>group:NAME</c> for a group.</summary>
internal static class PrincipalNames
{
    public static async Task<Dictionary<Guid, string>> LoadAsync(
        LatchkeyDbContext db, Guid organizationId, IEnumerable<AccessPolicy> policies, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(policies);
        var groupIds = policies.Where(p => p.PrincipalType == PrincipalType.Group).Select(p => p.PrincipalId).Distinct().ToList();
        if (groupIds.Count == 0)
        {
            return [];
        }

        return await db.Groups.AsNoTracking().Where(g => g.OrganizationId == organizationId && groupIds.Contains(g.Id))
            .ToDictionaryAsync(g => g.Id, g => $"group:{g.Name}", cancellationToken).ConfigureAwait(false);
    }
}
