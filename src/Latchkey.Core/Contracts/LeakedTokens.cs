namespace Latchkey.Core.Contracts;

/// <summary>Token strings found where they should not be (a repository, a log), sent by whoever found them. No sign-in is needed.</summary>
public sealed record RevokeLeakedRequest(IReadOnlyList<string?>? Tokens);

/// <summary>
/// The same answer whatever was sent: how many strings arrived, and nothing about any of them, so
/// that the call cannot be used to learn which strings are (or were) tokens.
/// </summary>
public sealed record RevokeLeakedResponse(int Received);
