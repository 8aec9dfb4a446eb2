using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Latchkey.Server.Observability;

/// <summary>
/// The process and .NET runtime series of <c>/metrics</c>, read when scraped: Prometheus's standard
/// <c>process_*</c> names, and <c>dotnet_*</c> names after OpenTelemetry's runtime metrics. Every
/// value is a counter the runtime already keeps or one small file of <c>/proc</c>, so a scrape
/// stays cheap and nothing runs between scrapes.
/// </summary>
internal static class RuntimeMetrics
{
    private static readonly string[] Generations = ["gen0", "gen1", "gen2", "loh", "poh"];

    private static readonly double StartTime = StartedAt();

    public static void WriteTo(StringBuilder text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var process = ProcessFigures.Read();
        Single(text, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", process.ResidentBytes);
        Single(text, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", process.VirtualBytes);
        Single(text, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", Environment.CpuUsage.TotalTime.TotalSeconds);
        Single(text, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", StartTime);
        Single(text, "process_open_fds", "gauge", "Number of open file descriptors.", process.OpenFds);
        if (process.MaxFds is { } max)
        {
            Single(text, "process_max_fds", "gauge", "Maximum number of open file descriptors.", max);
        }

        Single(text, "process_threads", "gauge", "Number of operating system threads in the process.", process.Threads);

        Single(text, "dotnet_gc_heap_size_bytes", "gauge", "Bytes the GC heap holds now: live objects and garbage not yet collected.", GC.GetTotalMemory(false));
        Single(text, "dotnet_gc_allocated_bytes_total", "counter", "Bytes allocated on the GC heap since the process started.", GC.GetTotalAllocatedBytes(false));
        var info = GC.GetGCMemoryInfo();
        Single(text, "dotnet_gc_committed_bytes", "gauge", "Memory committed by the GC, as of the last collection.", info.TotalCommittedBytes);
        Family(text, "dotnet_gc_generation_size_bytes", "gauge", "Size of each GC heap generation after the last collection (loh: large objects, poh: pinned objects).");
        var sizes = info.GenerationInfo;
        for (var i = 0; i < Generations.Length; i++)
        {
            Sample(text, "dotnet_gc_generation_size_bytes", Generations[i], i < sizes.Length ? sizes[i].SizeAfterBytes : 0);
        }

        Family(text, "dotnet_gc_collections_total", "counter", "GC collections that collected this generation (a gen2 collection collects gen1 and gen0 too).");
        for (var generation = 0; generation <= GC.MaxGeneration && generation < 3; generation++)
        {
            Sample(text, "dotnet_gc_collections_total", Generations[generation], GC.CollectionCount(generation));
        }

        Single(text, "dotnet_gc_pause_seconds_total", "counter", "Time the GC has paused the process since it started, in seconds.", GC.GetTotalPauseDuration().TotalSeconds);
        Single(text, "dotnet_thread_pool_threads", "gauge", "Threads of the .NET thread pool.", ThreadPool.ThreadCount);
        Single(text, "dotnet_thread_pool_queue_length", "gauge", "Work items queued to the thread pool and not yet started.", ThreadPool.PendingWorkItemCount);
        Single(text, "dotnet_thread_pool_work_items_total", "counter", "Work items the thread pool has completed.", ThreadPool.CompletedWorkItemCount);
        Single(text, "dotnet_monitor_lock_contentions_total", "counter", "Times a thread had to wait for a lock (Monitor) another thread held.", Monitor.LockContentionCount);
        // Outside the GC heap and so only in the resident size otherwise: SQLite's page caches and statements.
        Single(text, "latchkey_sqlite_memory_bytes", "gauge", "Memory SQLite holds in this process (page caches, prepared statements); 0 on PostgreSQL.", SQLitePCL.raw.sqlite3_memory_used());
    }

    private static double StartedAt()
    {
        using var process = Process.GetCurrentProcess();
        return new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
    }

    private static void Family(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Single(StringBuilder text, string name, string type, string help, double value)
    {
        Family(text, name, type, help);
        text.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void Sample(StringBuilder text, string name, string generation, double value) =>
        text.Append(name).Append("{generation=\"").Append(generation).Append("\"} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    /// <summary>Memory, threads and descriptors: from <c>/proc/self</c> on Linux, else from <see cref="Process"/>.</summary>
    private readonly record struct ProcessFigures(long ResidentBytes, long VirtualBytes, long Threads, long OpenFds, long? MaxFds)
    {
        public static ProcessFigures Read()
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/self/status"))
            {
                var (resident, size, threads) = (0L, 0L, 0L);
                foreach (var line in File.ReadLines("/proc/self/status"))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        resident = Kilobytes(line);
                    }
                    else if (line.StartsWith("VmSize:", StringComparison.Ordinal))
                    {
                        size = Kilobytes(line);
                    }
                    else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                    {
                        threads = Number(line);
                    }
                }

                return new ProcessFigures(resident, size, threads, Directory.EnumerateFileSystemEntries("/proc/self/fd").LongCount(), MaxOpenFiles());
            }

            using var process = Process.GetCurrentProcess();
            return new ProcessFigures(process.WorkingSet64, process.VirtualMemorySize64, process.Threads.Count, process.HandleCount, null);
        }

        /// <summary>The soft limit ("Max open files  1024  524288  files"); null when unlimited or unreadable.</summary>
        private static long? MaxOpenFiles()
        {
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var fields = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields is { Length: > 0 } && long.TryParse(fields[0], CultureInfo.InvariantCulture, out var soft) ? soft : null;
        }

        private static long Kilobytes(string line) => Number(line) * 1024;

        private static long Number(string line) =>
            long.TryParse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture, out var value) ? value : 0;
    }
}
