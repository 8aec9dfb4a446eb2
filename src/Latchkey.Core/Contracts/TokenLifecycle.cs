namespace Latchkey.Core.Contracts;

/// <summary>
/// How long the rotated token keeps working beside its replacement. 0 (the default) means until
/// the replacement is first used.
/// </summary>
public sealed record RotateTokenRequest(int? GraceSeconds = null);

/// <summary>
/// In a rotation's answer: the token that was replaced, and when it stops working (null: at the
/// new token's first use).
/// </summary>
public sealed record RotationInfo(string TokenId, DateTimeOffset? RetiresAt);

/// <summary>A token's uses per day (UTC) and door over the last 90 days, and the addresses it was used from last.</summary>
public sealed record TokenUsage(string TokenId, DateOnly From, DateOnly To, IReadOnlyList<UsageDay> Days, IReadOnlyList<UsageSource> RecentSources)
{
    /// <summary>The doors, in the order they are shown.</summary>
    public static readonly IReadOnlyList<string> Doors = ["api", "kubernetes", "forward-auth"];

    /// <summary>Uses at <paramref name="door"/> over the last <paramref name="days"/> days up to <see cref="To"/>.</summary>
    public long Total(string door, int days) => Days.Where(d => d.Door == door && d.Day > To.AddDays(-days)).Sum(d => d.Count);
}

/// <summary>Uses on one day at one door: <c>api</c>, <c>kubernetes</c> or <c>forward-auth</c>. Days without uses are left out.</summary>
public sealed record UsageDay(DateOnly Day, string Door, long Count);

public sealed record UsageSource(string Address, DateTimeOffset LastSeenAt);
