namespace Latchkey.Server.Verification;

/// <summary>A value that only moves forward, raised by many threads without a lock.</summary>
internal static class Monotonic
{
    /// <summary>Sets <paramref name="location"/> to <paramref name="value"/> unless it already holds as much or more.</summary>
    public static void RaiseTo(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
