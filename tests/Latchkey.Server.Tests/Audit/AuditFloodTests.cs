using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Audit;

/// <summary>
/// Floods against the audit queue, measured from outside: every failure a door answered is either
/// in the store (collapsed into events with a count) or in <c>latchkey_audit_events_dropped_total</c>.
/// </summary>
public class AuditFloodTests
{
    [Fact]
    public async Task A_login_flood_from_one_address_is_stored_as_counts_that_add_up_to_every_attempt_answered()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:LoginAttemptsPerMinute"] = "10" });
        using var admin = app.Client(await app.LoginAsync());
        const int attempts = 5000;
        var answered = new ConcurrentDictionary<HttpStatusCode, int>();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            using var client = new HttpClient { BaseAddress = app.BaseAddress };
            while (Interlocked.Increment(ref next) <= attempts)
            {
                var response = await client.PostAsJsonAsync("/api/v1/login", new LoginRequest(TestApp.AdminEmail, "not the password"));
                answered.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
            }
        })));

        await AuditQueueProbe.DrainedAsync(admin);
        var (events, counted) = await AuditQueueProbe.StoredAsync(app, e => e.Action == "login" && e.Outcome != "success");
        var dropped = await AuditQueueProbe.MetricAsync(admin, AuditQueueProbe.Dropped);
        TestContext.Current.SendDiagnosticMessage(
            $"login flood: {attempts} attempts ({answered.GetValueOrDefault(HttpStatusCode.Unauthorized)} x 401, {answered.GetValueOrDefault(HttpStatusCode.TooManyRequests)} x 429), {events} events stored, counts sum to {counted}, {dropped} dropped");
        Assert.Equal(attempts, answered.GetValueOrDefault(HttpStatusCode.Unauthorized) + answered.GetValueOrDefault(HttpStatusCode.TooManyRequests));
        Assert.True(answered.GetValueOrDefault(HttpStatusCode.TooManyRequests) > attempts / 2, "the account's address was throttled");
        Assert.Equal(attempts, counted);
        Assert.Equal(0, dropped);
        Assert.True(events < attempts / 10, $"{events} events for {attempts} attempts: the throttled ones were not collapsed");
    }

    [Fact]
    public async Task More_distinct_failing_sources_than_the_queue_holds_are_counted_as_dropped_exactly_and_logged_once()
    {
        var settings = TestApp.BehindLocalProxy;
        settings["Latchkey:AuditQueueCapacity"] = "100";
        // Nothing is written in the background: the queue fills, and the audit API's read writes it.
        settings["Latchkey:AuditFlushInterval"] = "01:00:00";
        await using var app = await TestApp.StartAsync(settings);
        using var admin = app.Client(await app.LoginAsync());
        const int sources = 300, perSource = 3;
        using (var door = new HttpClient { BaseAddress = app.BaseAddress })
        {
            for (var round = 0; round < perSource; round++)
            {
                for (var i = 0; i < sources; i++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/auth/verify");
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-latchkey-token");
                    request.Headers.Add("X-Forwarded-For", $"10.1.{i / 256}.{i % 256}");
                    Assert.Equal(HttpStatusCode.Unauthorized, (await door.SendAsync(request)).StatusCode);
                }
            }
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/audit")).StatusCode);
        var (events, counted) = await AuditQueueProbe.StoredAsync(app, e => e.Action == "auth.failed" && e.SourceAddress!.StartsWith("10.1."));
        var dropped = await AuditQueueProbe.MetricAsync(admin, AuditQueueProbe.Dropped);
        TestContext.Current.SendDiagnosticMessage($"distinct sources: {sources * perSource} failures from {sources} sources, queue of 100: {events} events, counts sum to {counted}, {dropped} dropped");
        Assert.Equal(100, events);
        Assert.Equal(100 * perSource, counted);
        Assert.Equal(sources * perSource - counted, dropped);
        Assert.Equal(0, await AuditQueueProbe.MetricAsync(admin, AuditQueueProbe.Depth));
        var lines = app.Logs.Entries.Where(l => l.Contains("audit event(s) dropped", StringComparison.Ordinal)).ToList();
        Assert.Single(lines);
        Assert.Contains("latchkey_audit_events_dropped_total", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failures_while_the_store_is_write_locked_are_all_stored_or_counted_after_it_is_released()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        using var admin = app.Client(await app.LoginAsync());
        var sent = 0;
        await using (var writeLock = await StoreWriteLock.TakeAsync(app))
        {
            // Several seconds of failures from 20 addresses while another connection holds the write lock.
            using var door = new HttpClient { BaseAddress = app.BaseAddress };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; clock.Elapsed < TimeSpan.FromSeconds(6); i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/auth/verify");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-latchkey-token");
                request.Headers.Add("X-Forwarded-For", $"10.2.0.{i % 20}");
                Assert.Equal(HttpStatusCode.Unauthorized, (await door.SendAsync(request)).StatusCode);
                sent++;
            }
        }

        await AuditQueueProbe.DrainedAsync(admin);
        var (events, counted) = await AuditQueueProbe.StoredAsync(app, e => e.Action == "auth.failed" && e.SourceAddress!.StartsWith("10.2."));
        var dropped = await AuditQueueProbe.MetricAsync(admin, AuditQueueProbe.Dropped);
        TestContext.Current.SendDiagnosticMessage($"write-locked store ({TestApp.Provider}, 6 s): {sent} failures, {events} events stored, counts sum to {counted}, {dropped} dropped");
        Assert.Equal(sent, counted + dropped);
        Assert.Equal(0, dropped);
    }

    [Fact]
    public async Task Failures_while_the_store_is_away_are_kept_and_written_when_it_is_back()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        await app.TakeStoreAwayAsync();
        const int sent = 500;
        using (var door = new HttpClient { BaseAddress = app.BaseAddress })
        {
            for (var i = 0; i < sent; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/auth/verify");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-latchkey-token");
                Assert.Equal(HttpStatusCode.Unauthorized, (await door.SendAsync(request)).StatusCode);
            }
        }

        // Long enough for the writer to fail at least twice.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await app.BringStoreBackAsync();

        await AuditQueueProbe.DrainedAsync(admin);
        var (_, counted) = await AuditQueueProbe.StoredAsync(app, e => e.Action == "auth.failed" && e.Detail!.EndsWith("at forward-auth"));
        Assert.Equal(sent, counted);
        Assert.Equal(0, await AuditQueueProbe.MetricAsync(admin, AuditQueueProbe.Dropped));
        Assert.Contains(app.Logs.Entries, l => l.Contains("Writing audit events failed", StringComparison.Ordinal));
    }
}
