using Latchkey.Data;

namespace Latchkey.Server.Iam;

/// <summary>How a policy's principal reads in answers: <c>user</c> for the person themselves, <c>group:NAME</c> for a group.</summary>
internal static class PrincipalNames
{
    public static Task<Dictionary<Guid, string>> LoadAsync(
        LatchkeyDbContext db, Guid organizationId, IEnumerable<AccessPolicy> policies, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policies);
        return Task.FromResult(policies.Where(p => p.PrincipalType == PrincipalType.Group)
            .DistinctBy(p => p.PrincipalId)
            .ToDictionary(p => p.PrincipalId, p => $"group:{p.PrincipalId}"));
    }
}
