using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Verification;

/// <summary>
/// Counts failed token uses per source address in one-minute windows. Past the limit the address
/// gets 429 until the window ends, which makes guessing slow and keeps a flood of bad tokens
/// from filling the audit log. Bounded: the table is cleared when it grows past its capacity.
/// </summary>
internal sealed class FailedAttempts(IOptions<LatchkeyOptions> options, TimeProvider time)
{
    private const int Capacity = 100_000;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Counter> counters = new(StringComparer.Ordinal);
    private readonly int limit = options.Value.FailedAttemptsPerMinute;

    /// <summary>Seconds until the address may try again; null while it may.</summary>
    public int? RetryAfter(string? source)
    {
        if (source is null || !counters.TryGetValue(source, out var counter))
        {
            return null;
        }

        var now = time.GetUtcNow();
        return counter.Count >= limit && now < counter.WindowEnd ? (int)Math.Ceiling((counter.WindowEnd - now).TotalSeconds) : null;
    }

    /// <summary>Counts a failure; true when this one reached the limit (worth one audit entry).</summary>
    public bool Fail(string? source)
    {
        if (source is null)
        {
            return false;
        }

        if (counters.Count >= Capacity)
        {
            counters.Clear();
        }

        var now = time.GetUtcNow();
        var counter = counters.AddOrUpdate(source,
            _ => new Counter(1, now + Window),
            (_, old) => now >= old.WindowEnd ? new Counter(1, now + Window) : old with { Count = old.Count + 1 });
        return counter.Count == limit;
    }

    private sealed record Counter(int Count, DateTimeOffset WindowEnd);
}
