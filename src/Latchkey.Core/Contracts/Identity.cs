namespace Latchkey.Core.Contracts;

public sealed record LoginRequest(string? Email, string? Password);

public sealed record LoginResponse(string Token, string TokenId, DateTimeOffset? ExpiresAt);

public sealed record UserInfo(Guid Id, string Email, string DisplayName);

public sealed record OrganizationInfo(Guid Id, string Slug, string Name);

public sealed record TokenRef(string Id, string Name, DateTimeOffset? ExpiresAt);

public sealed record WhoAmI(UserInfo User, OrganizationInfo Organization, TokenRef Token);
