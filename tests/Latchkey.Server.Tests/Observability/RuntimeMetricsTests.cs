using System.Globalization;
using System.Text.RegularExpressions;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Observability;

public class RuntimeMetricsTests
{
    /// <summary>Each series, its type, and what a running server must show (a value that is impossible fails).</summary>
    private static readonly (string Series, string Type, string Expected)[] Series =
    [
        ("process_resident_memory_bytes", "gauge", "positive"),
        ("process_virtual_memory_bytes", "gauge", "positive"),
        ("process_cpu_seconds_total", "counter", "positive"),
        ("process_start_time_seconds", "gauge", "positive"),
        ("process_open_fds", "gauge", "positive"),
        ("process_max_fds", "gauge", "positive"),
        ("process_threads", "gauge", "positive"),
        ("dotnet_gc_heap_size_bytes", "gauge", "positive"),
        ("dotnet_gc_allocated_bytes_total", "counter", "positive"),
        ("dotnet_gc_committed_bytes", "gauge", "zero or more"),
        ("dotnet_gc_generation_size_bytes{generation=\"gen0\"}", "gauge", "zero or more"),
        ("dotnet_gc_generation_size_bytes{generation=\"gen1\"}", "gauge", "zero or more"),
        ("dotnet_gc_generation_size_bytes{generation=\"gen2\"}", "gauge", "zero or more"),
        ("dotnet_gc_generation_size_bytes{generation=\"loh\"}", "gauge", "zero or more"),
        ("dotnet_gc_generation_size_bytes{generation=\"poh\"}", "gauge", "zero or more"),
        ("dotnet_gc_collections_total{generation=\"gen0\"}", "counter", "zero or more"),
        ("dotnet_gc_collections_total{generation=\"gen1\"}", "counter", "zero or more"),
        ("dotnet_gc_collections_total{generation=\"gen2\"}", "counter", "zero or more"),
        ("dotnet_gc_pause_seconds_total", "counter", "zero or more"),
        ("dotnet_thread_pool_threads", "gauge", "positive"),
        ("dotnet_thread_pool_queue_length", "gauge", "zero or more"),
        ("dotnet_thread_pool_work_items_total", "counter", "positive"),
        ("dotnet_monitor_lock_contentions_total", "counter", "zero or more"),
    ];

    [Fact]
    public async Task Metrics_show_the_process_and_runtime_series_with_help_type_and_a_plausible_value()
    {
        await using var app = await TestApp.StartAsync();
        using var scraper = app.Client(await app.LoginAsync());
        var text = await scraper.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        var values = Values(text);

        foreach (var (series, type, expected) in Series)
        {
            var name = series.Split('{')[0];
            Assert.Contains($"# HELP {name} ", text, StringComparison.Ordinal);
            Assert.Contains($"# TYPE {name} {type}\n", text, StringComparison.Ordinal);
            Assert.True(values.TryGetValue(series, out var value), $"{series} is missing");
            Assert.True(expected == "positive" ? value > 0 : value >= 0, $"{series} is {value}");
        }
    }

    [Fact]
    public async Task The_runtime_series_agree_with_each_other_and_move_with_the_process()
    {
        await using var app = await TestApp.StartAsync();
        using var scraper = app.Client(await app.LoginAsync());
        var before = Values(await scraper.GetStringAsync("/metrics", TestContext.Current.CancellationToken));
        GC.Collect(0, GCCollectionMode.Forced);
        var after = Values(await scraper.GetStringAsync("/metrics", TestContext.Current.CancellationToken));

        Assert.True(after["process_open_fds"] <= after["process_max_fds"]);
        Assert.True(after["process_virtual_memory_bytes"] >= after["process_resident_memory_bytes"]);
        Assert.True(after["process_start_time_seconds"] <= DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.True(after["process_cpu_seconds_total"] >= before["process_cpu_seconds_total"]);
        Assert.True(after["dotnet_gc_allocated_bytes_total"] > before["dotnet_gc_allocated_bytes_total"]);
        var collections = (string g) => $"dotnet_gc_collections_total{{generation=\"{g}\"}}";
        Assert.True(after[collections("gen0")] + after[collections("gen1")] + after[collections("gen2")]
            > before[collections("gen0")] + before[collections("gen1")] + before[collections("gen2")]);
    }

    private static Dictionary<string, double> Values(string text) =>
        text.Split('\n').Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => Regex.Match(l, @"^(\S+) (\S+)$"))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
}
