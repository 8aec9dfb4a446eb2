using System.Globalization;
using System.Text.RegularExpressions;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests.Audit;

/// <summary>What a test reads of the audit queue from outside: the two metrics and the stored counts.</summary>
public static class AuditQueueProbe
{
    public const string Dropped = "latchkey_audit_events_dropped_total";
    public const string Depth = "latchkey_audit_queue_depth";

    /// <summary>One sample of /metrics (the client carries a token with metrics:read).</summary>
    public static async Task<long> MetricAsync(HttpClient metricsReader, string name)
    {
        var text = await metricsReader.GetStringAsync("/metrics");
        var match = Regex.Match(text, $"^{Regex.Escape(name)} (\\d+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"/metrics has no {name}:\n{text}");
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Waits (bounded) until the background writer has nothing left waiting: written or dropped.</summary>
    public static async Task DrainedAsync(HttpClient metricsReader)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (await MetricAsync(metricsReader, Depth) == 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{Depth} stayed above 0 for 20 s");
    }

    /// <summary>The stored events that match, and the sum of their counts.</summary>
    public static Task<(int Events, long Counted)> StoredAsync(TestApp app, System.Linq.Expressions.Expression<Func<Latchkey.Data.AuditEvent, bool>> which) =>
        app.WithStoreAsync(async db =>
        {
            var matching = db.AuditEvents.Where(which);
            return (await matching.CountAsync(), await matching.SumAsync(e => (long)e.Count));
        });
}
