namespace Latchkey.Core.Contracts;

/// <summary>
/// The organization's rules for new tokens. <see cref="TokensBeyondPolicy"/> counts live tokens made
/// under looser rules that outlive what a new token could get today; they keep working until an
/// admin revokes them (<c>GET /api/v1/tokens?owner=all&amp;beyondPolicy=true</c> lists them).
/// </summary>
public sealed record TokenPolicyInfo(int MaxLifetimeDays, bool AllowNoExpiration, IReadOnlyList<string>? MintableScopes, int TokensBeyondPolicy, int? IdleRevokeDays = null);

/// <summary>
/// Replaces the token policy. <see cref="MintableScopes"/> null lets members mint any token their rights allow;
/// <see cref="IdleRevokeDays"/> null keeps unused tokens.
/// </summary>
public sealed record UpdateTokenPolicyRequest(int? MaxLifetimeDays, bool? AllowNoExpiration = null, IReadOnlyList<string>? MintableScopes = null, int? IdleRevokeDays = null);
