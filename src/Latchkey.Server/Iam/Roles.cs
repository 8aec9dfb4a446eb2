using System.Collections.Frozen;

namespace Latchkey.Server.Iam;

/// <summary>Permission names. Every member may manage their own tokens without any of these.</summary>
internal static class Permissions
{
    public const string TokensReadAll = "tokens:read-all";
    public const string TokensRevokeAll = "tokens:revoke-all";
    public const string ClustersAdmin = "clusters:admin";
    public const string ClustersView = "clusters:view";
    public const string ClustersManage = "clusters:manage";
    public const string VpcsView = "vpcs:view";
    public const string VpcsManage = "vpcs:manage";
    public const string MetricsRead = "metrics:read";
    public const string LogsRead = "logs:read";
    public const string IamManage = "iam:manage";
    public const string AuditRead = "audit:read";

    /// <summary>
    /// Managing one's own tokens. Every member holds it without a role; it exists so that a token
    /// can be narrowed to exclude it (a metrics-only token cannot mint or list tokens).
    /// </summary>
    public const string TokensOwn = "tokens:own";

    public static readonly FrozenSet<string> All = FrozenSet.Create(StringComparer.Ordinal,
        TokensReadAll, TokensRevokeAll, ClustersAdmin, ClustersView, ClustersManage, VpcsView, VpcsManage,
        MetricsRead, LogsRead, IamManage, AuditRead);
}

/// <summary>The built-in roles: each a fixed set of permissions.</summary>
internal static class Roles
{
    public const string OrgAdmin = "org-admin";
    public const string TokenAdmin = "token-admin";
    public const string TokenViewer = "token-viewer";
    public const string ClusterAdmin = "cluster-admin";
    public const string ClusterViewer = "cluster-viewer";
    public const string VpcAdmin = "vpc-admin";
    public const string VpcViewer = "vpc-viewer";
    public const string MetricsReader = "metrics-reader";
    public const string LogsReader = "logs-reader";

    public static readonly FrozenDictionary<string, FrozenSet<string>> PermissionsOf = new Dictionary<string, FrozenSet<string>>
    {
        [OrgAdmin] = Permissions.All,
        [TokenAdmin] = Set(Permissions.TokensReadAll, Permissions.TokensRevokeAll),
        [TokenViewer] = Set(Permissions.TokensReadAll),
        [ClusterAdmin] = Set(Permissions.ClustersAdmin, Permissions.ClustersView),
        [ClusterViewer] = Set(Permissions.ClustersView),
        [VpcAdmin] = Set(Permissions.VpcsManage, Permissions.VpcsView),
        [VpcViewer] = Set(Permissions.VpcsView),
        [MetricsReader] = Set(Permissions.MetricsRead),
        [LogsReader] = Set(Permissions.LogsRead),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The legacy permission groups, as presets of roles.</summary>
    public static readonly FrozenDictionary<string, string[]> LegacyPresets = new Dictionary<string, string[]>
    {
        ["admin"] = [OrgAdmin],
        ["write"] = [ClusterAdmin, TokenAdmin],
        ["read"] = [ClusterViewer, VpcViewer],
        ["metrics"] = [MetricsReader],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static FrozenSet<string> Set(params string[] permissions) => permissions.ToFrozenSet(StringComparer.Ordinal);
}
