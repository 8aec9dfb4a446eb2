using System.Text.Json.Serialization;

namespace Latchkey.Core.Contracts;

/// <summary>
/// Exactly one way to say when the token expires may be given; none means the default (30 days).
/// With <see cref="Kubeconfig"/>, the response also holds a kubeconfig for that cluster with the new secret in it.
/// <see cref="Scopes"/> narrows the token (<c>metrics:read</c>, <c>clusters:view:prod-1</c>); without it the
/// token acts with all of its owner's rights.
/// With <see cref="AllowedCidrs"/>, the token works only from those networks (such as <c>10.0.0.0/8</c>).
/// </summary>
public sealed record CreateTokenRequest(
    string? Name,
    string? Note = null,
    DateTimeOffset? ExpiresAt = null,
    int? ExpiresInDays = null,
    bool? NoExpiration = null,
    KubeconfigRequest? Kubeconfig = null,
    IReadOnlyList<string>? Scopes = null,
    IReadOnlyList<string>? AllowedCidrs = null);

/// <summary>The cluster (by name) to write a kubeconfig for; the caller must be allowed to use it.</summary>
public sealed record KubeconfigRequest(string? Cluster);

/// <summary>The only response that ever carries the secret (and the kubeconfig holding it, when asked for).</summary>
public sealed record CreatedToken(
    string Id,
    string Name,
    string? Note,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    string Secret,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Kubeconfig = null,
    IReadOnlyList<string>? Scopes = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? AllowedCidrs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RotationInfo? Replaces = null);

[JsonConverter(typeof(JsonStringEnumConverter<TokenStatus>))]
public enum TokenStatus
{
    [JsonStringEnumMemberName("active")] Active,
    [JsonStringEnumMemberName("expired")] Expired,
    [JsonStringEnumMemberName("revoked")] Revoked,
}

public sealed record TokenOwner(Guid Id, string Email, string DisplayName);

public sealed record TokenInfo(
    string Id,
    string Name,
    string? Note,
    TokenStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt,
    string? LastUsedFrom,
    DateTimeOffset? RevokedAt,
    string CreatedVia,
    TokenOwner Owner,
    IReadOnlyList<string>? Scopes = null,
    IReadOnlyList<string>? AllowedCidrs = null,
    string? ReplacedBy = null,
    DateTimeOffset? RetiresAt = null,
    string? RevocationReason = null);

public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>Tokens to revoke at once, by id, with an optional reason kept with each and in the audit log.</summary>
public sealed record RevokeTokensRequest(IReadOnlyList<string>? Ids, string? Reason = null);

/// <summary>Which ids were revoked (or already were), and which are not tokens the caller may revoke.</summary>
public sealed record RevokedTokens(IReadOnlyList<string> Revoked, IReadOnlyList<string> NotFound);
