using Latchkey.Core.Contracts;
using Latchkey.Data;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Iam;

/// <summary>Access policies as the API shows them: principals and scopes with their names, and the wire names of their types.</summary>
internal static class PolicyDescriptions
{
    public const string User = "user";
    public const string Group = "group";
    public const string Organization = "organization";
    public const string Cluster = "cluster";
    public const string Vpc = "vpc";

    public static string Wire(PrincipalType type) => type == PrincipalType.Group ? Group : User;

    public static string Wire(PolicyScopeType type) => type switch
    {
        PolicyScopeType.Cluster => Cluster,
        PolicyScopeType.Vpc => Vpc,
        _ => Organization,
    };

    public static bool TryParse(string? text, out PrincipalType type)
    {
        type = text == Group ? PrincipalType.Group : PrincipalType.User;
        return text is User or Group;
    }

    public static bool TryParse(string? text, out PolicyScopeType type)
    {
        type = text switch
        {
            Cluster => PolicyScopeType.Cluster,
            Vpc => PolicyScopeType.Vpc,
            _ => PolicyScopeType.Organization,
        };
        return text is Organization or Cluster or Vpc;
    }

    /// <summary>
    /// The policies with the names of what they refer to, read in one query per kind. A principal
    /// or scope that is gone (deleted while the policy was being granted) shows its id as its name.
    /// </summary>
    public static async Task<List<PolicyInfo>> DescribeAsync(LatchkeyDbContext db, IReadOnlyCollection<AccessPolicy> policies, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(policies);
        List<Guid> Ids(Func<AccessPolicy, bool> which, Func<AccessPolicy, Guid?> id) => [.. policies.Where(which).Select(id).OfType<Guid>().Distinct()];
        var userIds = Ids(p => p.PrincipalType == PrincipalType.User, p => p.PrincipalId);
        var groupIds = Ids(p => p.PrincipalType == PrincipalType.Group, p => p.PrincipalId);
        var clusterIds = Ids(p => p.ScopeType == PolicyScopeType.Cluster, p => p.ScopeId);
        var vpcIds = Ids(p => p.ScopeType == PolicyScopeType.Vpc, p => p.ScopeId);

        var names = new Dictionary<Guid, string>();
        void Add(Dictionary<Guid, string> found)
        {
            foreach (var (id, name) in found)
            {
                names[id] = name;
            }
        }

        Add(await db.Users.Where(u => userIds.Contains(u.Id)).Select(u => new { u.Id, u.Email }).ToDictionaryAsync(u => u.Id, u => u.Email, cancellationToken).ConfigureAwait(false));
        Add(await db.Groups.Where(g => groupIds.Contains(g.Id)).Select(g => new { g.Id, g.Name }).ToDictionaryAsync(g => g.Id, g => g.Name, cancellationToken).ConfigureAwait(false));
        Add(await db.Clusters.Where(c => clusterIds.Contains(c.Id)).Select(c => new { c.Id, c.Name }).ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken).ConfigureAwait(false));
        Add(await db.Vpcs.Where(v => vpcIds.Contains(v.Id)).Select(v => new { v.Id, v.Name }).ToDictionaryAsync(v => v.Id, v => v.Name, cancellationToken).ConfigureAwait(false));

        string NameOf(Guid id) => names.TryGetValue(id, out var name) ? name : id.ToString();
        return [.. policies.Select(p => new PolicyInfo(
            p.Id,
            new PolicyPrincipal(Wire(p.PrincipalType), p.PrincipalId, NameOf(p.PrincipalId)),
            p.Role,
            new PolicyScope(Wire(p.ScopeType), p.ScopeId, p.ScopeId is { } scopeId ? NameOf(scopeId) : null),
            p.CreatedAt))];
    }
}
