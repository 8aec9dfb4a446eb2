using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Latchkey.Server.Observability;

/// <summary>
/// The counters an operator watches, kept as plain atomics (the verification path must stay
/// cheap) and written in the Prometheus text format by <see cref="MetricsEndpoint"/>.
/// </summary>
internal sealed class LatchkeyMetrics
{
    /// <summary>Upper bounds, in seconds, of the verification latency histogram.</summary>
    private static readonly double[] Buckets = [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1];

    /// <summary>Rows retention deleted in this process, by kind.</summary>
    private long prunedTokens, prunedUsage, prunedAudit;

    private readonly ConcurrentDictionary<(string Door, string Outcome), Counter> verifications = new();
    private readonly ConcurrentDictionary<string, Histogram> latency = new(StringComparer.Ordinal);
    private long cacheHits, cacheMisses, tokensCreated, tokensRevoked, storeErrors, auditEventsDropped;
    private Func<int> auditQueueDepth = () => 0;

    public void Verified(string door, string outcome, TimeSpan elapsed)
    {
        Interlocked.Increment(ref verifications.GetOrAdd((door, outcome), _ => new Counter()).Value);
        latency.GetOrAdd(door, _ => new Histogram()).Observe(elapsed.TotalSeconds);
    }

    public void CacheHit() => Interlocked.Increment(ref cacheHits);

    public void CacheMiss() => Interlocked.Increment(ref cacheMisses);

    /// <summary>Rows one retention run deleted: tokens, usage rows (days and addresses), audit events.</summary>
    public void Pruned(int tokens, int usage, int audit)
    {
        Interlocked.Add(ref prunedTokens, tokens);
        Interlocked.Add(ref prunedUsage, usage);
        Interlocked.Add(ref prunedAudit, audit);
    }

    public void TokenCreated() => Interlocked.Increment(ref tokensCreated);

    public void TokenRevoked() => Interlocked.Increment(ref tokensRevoked);

    public void StoreError() => Interlocked.Increment(ref storeErrors);

    public void AuditEventsDropped(int count) => Interlocked.Add(ref auditEventsDropped, count);

    /// <summary>The audit queue reports its depth when scraped, not on every event.</summary>
    public void ObserveAuditQueueDepth(Func<int> depth) => auditQueueDepth = depth;

    public void WriteTo(StringBuilder text, long? activeTokens, long? expiringSoon)
    {
        ArgumentNullException.ThrowIfNull(text);
        Family(text, "latchkey_verifications_total", "counter", "Token verifications by door (api, forward-auth, token-review) and outcome.");
        foreach (var ((door, outcome), counter) in verifications.OrderBy(v => v.Key))
        {
            Sample(text, "latchkey_verifications_total", $"door=\"{door}\",outcome=\"{outcome}\"", Interlocked.Read(ref counter.Value));
        }

        Family(text, "latchkey_verification_duration_seconds", "histogram", "Time to verify a token, by door.");
        foreach (var (door, histogram) in latency.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            histogram.WriteTo(text, "latchkey_verification_duration_seconds", door);
        }

        Single(text, "latchkey_verification_cache_hits_total", "counter", "Verifications answered from memory.", Interlocked.Read(ref cacheHits));
        Single(text, "latchkey_verification_cache_misses_total", "counter", "Verifications that needed the store.", Interlocked.Read(ref cacheMisses));
        Single(text, "latchkey_tokens_created_total", "counter", "Tokens created by this process.", Interlocked.Read(ref tokensCreated));
        Single(text, "latchkey_tokens_revoked_total", "counter", "Tokens revoked by this process.", Interlocked.Read(ref tokensRevoked));
        Single(text, "latchkey_store_errors_total", "counter", "Requests answered 503 because the store failed.", Interlocked.Read(ref storeErrors));
        Single(text, "latchkey_audit_events_dropped_total", "counter", "Audit events of repeated failures that the full audit queue could not keep (each counted, also within a collapsed event).", Interlocked.Read(ref auditEventsDropped));
        Single(text, "latchkey_audit_queue_depth", "gauge", "Collapsed audit events waiting to be written, or being written.", auditQueueDepth());
        // Left out while the store cannot be asked, rather than reported as a number that is not true.
        if (activeTokens is { } active && expiringSoon is { } expiring)
        {
            Single(text, "latchkey_tokens_active", "gauge", "Tokens that are neither revoked nor expired (whole store).", active);
            Single(text, "latchkey_tokens_expiring_7d", "gauge", "Active tokens that expire within 7 days (whole store).", expiring);
        }

        Family(text, "latchkey_retention_pruned_total", "counter", "Rows deleted by retention in this process, by kind (tokens, usage, audit).");
        Sample(text, "latchkey_retention_pruned_total", "kind=\"audit\"", Interlocked.Read(ref prunedAudit));
        Sample(text, "latchkey_retention_pruned_total", "kind=\"tokens\"", Interlocked.Read(ref prunedTokens));
        Sample(text, "latchkey_retention_pruned_total", "kind=\"usage\"", Interlocked.Read(ref prunedUsage));
    }

    private static void Family(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Single(StringBuilder text, string name, string type, string help, long value)
    {
        Family(text, name, type, help);
        text.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void Sample(StringBuilder text, string name, string labels, long value) =>
        text.Append(name).Append('{').Append(labels).Append("} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private sealed class Counter
    {
        public long Value;
    }

    private sealed class Histogram
    {
        private readonly long[] counts = new long[Buckets.Length];
        private long count;
        private long sumNanoseconds;

        public void Observe(double seconds)
        {
            for (var i = 0; i < Buckets.Length; i++)
            {
                if (seconds <= Buckets[i])
                {
                    Interlocked.Increment(ref counts[i]);
                    break;
                }
            }

            Interlocked.Increment(ref count);
            Interlocked.Add(ref sumNanoseconds, (long)(seconds * 1e9));
        }

        public void WriteTo(StringBuilder text, string name, string door)
        {
            long cumulative = 0;
            for (var i = 0; i < Buckets.Length; i++)
            {
                cumulative += Interlocked.Read(ref counts[i]);
                Sample(text, name + "_bucket", $"door=\"{door}\",le=\"{Buckets[i].ToString(CultureInfo.InvariantCulture)}\"", cumulative);
            }

            var total = Interlocked.Read(ref count);
            Sample(text, name + "_bucket", $"door=\"{door}\",le=\"+Inf\"", total);
            text.Append(name).Append("_sum{door=\"").Append(door).Append("\"} ")
                .Append((Interlocked.Read(ref sumNanoseconds) / 1e9).ToString(CultureInfo.InvariantCulture)).Append('\n');
            Sample(text, name + "_count", $"door=\"{door}\"", total);
        }
    }
}
