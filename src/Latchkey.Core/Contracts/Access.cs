namespace Latchkey.Core.Contracts;

/// <summary>Where a permission holds: the whole organization, or one cluster or VPC.</summary>
public sealed record AccessScope(string Type, Guid? Id = null, string? Name = null);

/// <summary>One policy that grants a permission: its role, and whom it was granted to (the user, or a group they are in).</summary>
public sealed record AccessSource(Guid? PolicyId, string Role, string Principal);

public sealed record AccessGrant(string Permission, AccessScope Scope, IReadOnlyList<AccessSource> Via);

/// <summary>
/// What a user (or one of their tokens) may do, and where, as the doors decide it at this moment.
/// For a token, <see cref="TokenScopes"/> are its scopes and <see cref="Grants"/> are already narrowed by them.
/// </summary>
public sealed record EffectiveAccess(Guid UserId, string Email, bool Active, string? TokenId, IReadOnlyList<string>? TokenScopes, IReadOnlyList<AccessGrant> Grants);
