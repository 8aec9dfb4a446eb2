namespace Latchkey.Data;

public enum PrincipalType
{
    User,
    Group,
}

public enum PolicyScopeType
{
    Organization,
    Cluster,
    Vpc,
}

/// <summary>Grants a role to a principal on a scope. Access is denied unless some policy grants it.</summary>
public sealed class AccessPolicy
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }

    public PrincipalType PrincipalType { get; set; }
    public Guid PrincipalId { get; set; }

    /// <summary>A built-in role name such as <c>org-admin</c>.</summary>
    public required string Role { get; set; }

    public PolicyScopeType ScopeType { get; set; }

    /// <summary>The cluster or VPC id; null for the whole organization.</summary>
    public Guid? ScopeId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public Guid? CreatedByUserId { get; set; }
}
