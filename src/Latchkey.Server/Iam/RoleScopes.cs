using Latchkey.Data;

namespace Latchkey.Server.Iam;

/// <summary>
/// Where each role makes sense: cluster roles on the organization or one cluster, VPC roles on the
/// organization or one VPC, everything else on the whole organization only (a token-admin "on one
/// cluster" would mean nothing, and a policy that means nothing misleads whoever reads it).
/// </summary>
internal static class RoleScopes
{
    public static bool Allows(string role, PolicyScopeType scope) => scope switch
    {
        PolicyScopeType.Organization => true,
        PolicyScopeType.Cluster => role is Roles.ClusterAdmin or Roles.ClusterViewer,
        PolicyScopeType.Vpc => role is Roles.VpcAdmin or Roles.VpcViewer,
        _ => false,
    };

    /// <summary>A sentence saying where the role may be granted.</summary>
    public static string Explain(string role) => role switch
    {
        Roles.ClusterAdmin or Roles.ClusterViewer => $"The role {role} applies to the whole organization or to one cluster.",
        Roles.VpcAdmin or Roles.VpcViewer => $"The role {role} applies to the whole organization or to one VPC.",
        _ => $"The role {role} applies to the whole organization only.",
    };
}
