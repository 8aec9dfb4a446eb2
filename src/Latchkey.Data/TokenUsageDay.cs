namespace Latchkey.Data;

/// <summary>
/// How often a token was used on one day (UTC) at one door. Replicas add to <see cref="Count"/>
/// with an atomic upsert, so counts from several processes add up instead of overwriting each other.
/// </summary>
public sealed class TokenUsageDay
{
    public required string TokenId { get; set; }
    public DateOnly Day { get; set; }

    /// <summary><c>api</c>, <c>kubernetes</c> or <c>forward-auth</c>.</summary>
    public required string Door { get; set; }

    public long Count { get; set; }
}

/// <summary>An address a token was used from, and when last; only the few most recent per token are kept.</summary>
public sealed class TokenSource
{
    public required string TokenId { get; set; }
    public required string Address { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
}
