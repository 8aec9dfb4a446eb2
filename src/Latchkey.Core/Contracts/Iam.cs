namespace Latchkey.Core.Contracts;

public sealed record GroupRef(Guid Id, string Name);

/// <summary>A member of the organization: <see cref="Status"/> is <c>active</c>, <c>invited</c> (no password yet) or <c>disabled</c>.</summary>
public sealed record MemberSummary(
    Guid Id,
    string Email,
    string DisplayName,
    string Status,
    IReadOnlyList<string> Roles,
    IReadOnlyList<GroupRef> Groups);

/// <param name="Role">A role on the whole organization; none for a member who manages only their own tokens.</param>
public sealed record InviteMemberRequest(string? Email, string? DisplayName = null, string? Role = null);

/// <summary>The one answer that holds the invitation link: its holder chooses the account's password.</summary>
public sealed record InvitedMember(MemberSummary Member, string InvitationUrl, DateTimeOffset ExpiresAt);

/// <summary>Creates or renames a group.</summary>
public sealed record GroupNameRequest(string? Name);

public sealed record GroupInfo(Guid Id, string Name, DateTimeOffset CreatedAt, IReadOnlyList<UserInfo> Members);

public sealed record CreateVpcRequest(string? Name, string? Zone, string? Cidr);

public sealed record VpcInfo(Guid Id, string Name, string Zone, string Cidr, DateTimeOffset CreatedAt);

/// <param name="Type"><c>user</c> or <c>group</c>.</param>
public sealed record PrincipalRequest(string? Type, Guid? Id);

/// <param name="Type"><c>organization</c>, <c>cluster</c> or <c>vpc</c>; a cluster or VPC by id or by name.</param>
public sealed record ScopeRequest(string? Type, Guid? Id = null, string? Name = null);

/// <summary>Exactly one of <see cref="Role"/> and <see cref="Preset"/> (a legacy permission group: admin, write, read, metrics).</summary>
public sealed record CreatePolicyRequest(PrincipalRequest? Principal, ScopeRequest? Scope, string? Role = null, string? Preset = null);

/// <param name="Name">The user's email or the group's name.</param>
public sealed record PolicyPrincipal(string Type, Guid Id, string Name);

/// <param name="Id">The cluster or VPC; null for the organization.</param>
public sealed record PolicyScope(string Type, Guid? Id, string? Name);

public sealed record PolicyInfo(Guid Id, PolicyPrincipal Principal, string Role, PolicyScope Scope, DateTimeOffset CreatedAt);
