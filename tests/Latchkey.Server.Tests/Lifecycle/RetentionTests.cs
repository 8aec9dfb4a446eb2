using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Latchkey.Core.Contracts;
using Latchkey.Core.Tokens;
using Latchkey.Data;
using Latchkey.Server.Data;
using Latchkey.Server.Lifecycle;
using Latchkey.Server.Tests.Infrastructure;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Lifecycle;

/// <summary>
/// Retention on a real store, with the test's clock: tokens 90 days after their end, usage 90 days,
/// audit events for ever unless a period is set. Each run deletes in batches and says what it did.
/// </summary>
public class RetentionTests
{
    [Fact]
    public async Task Tokens_that_ended_more_than_90_days_ago_are_pruned_and_newer_and_live_ones_kept()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        await app.AllowNoExpirationAsync();
        var revoked = await app.CreateTokenAsync(admin, new CreateTokenRequest("revoked at once"));
        var expired = await app.CreateTokenAsync(admin, new CreateTokenRequest("expires on day 2", ExpiresInDays: 2));
        var revokedLater = await app.CreateTokenAsync(admin, new CreateTokenRequest("revoked on day 4"));
        var live = await app.CreateTokenAsync(admin, new CreateTokenRequest("live", ExpiresInDays: 200));
        var forever = await app.CreateTokenAsync(admin, new CreateTokenRequest("never expires", NoExpiration: true));
        await RevokeAsync(app, admin, revoked.Id);
        app.Time.Advance(TimeSpan.FromDays(3));
        var expiredLater = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("expires on day 4", ExpiresInDays: 1));
        app.Time.Advance(TimeSpan.FromDays(1));
        await RevokeAsync(app, await app.LoginAsync(), revokedLater.Id);

        // Day 93: one revoked 93 days ago, one expired 91 days ago; two more ended 89 days ago.
        app.Time.Advance(TimeSpan.FromDays(89));
        var first = await RunAsync(app);
        Assert.Equal(2, first.Tokens);
        var kept = await TokenIdsAsync(app);
        Assert.DoesNotContain(revoked.Id, kept);
        Assert.DoesNotContain(expired.Id, kept);
        Assert.Superset(new HashSet<string> { revokedLater.Id, expiredLater.Id, live.Id, forever.Id }, kept);
        Assert.Equal(0, (await RunAsync(app)).Tokens);

        // Day 95: those two are 91 days past their end as well; the live ones stay.
        app.Time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(2, (await RunAsync(app)).Tokens);
        kept = await TokenIdsAsync(app);
        Assert.DoesNotContain(revokedLater.Id, kept);
        Assert.DoesNotContain(expiredLater.Id, kept);
        Assert.Contains(live.Id, kept);
        Assert.Contains(forever.Id, kept);
        using var client = app.Client(await app.LoginAsync());
        await Api.AssertProblemAsync(await client.GetAsync($"/api/v1/tokens/{revoked.Id}"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/tokens/{live.Id}")).StatusCode);
    }

    [Fact]
    public async Task A_pruned_token_gets_the_answer_of_a_token_that_never_existed_at_every_door()
    {
        await using var app = await TestApp.StartAsync();
        var doors = await Doors.OpenAsync(app);
        var admin = await app.LoginAsync();
        var token = await app.CreateTokenAsync(admin, new CreateTokenRequest("ends"));
        await doors.AssertEverywhereAsync(token.Secret, works: true);
        await RevokeAsync(app, admin, token.Id);
        app.Time.Advance(TimeSpan.FromDays(91));
        Assert.Equal(1, (await RunAsync(app)).Tokens);

        using var scraper = app.Client(await app.LoginAsync());
        var before = await scraper.GetStringAsync("/metrics");
        var pruned = await AnswersAsync(app, doors, token.Secret);
        var unknown = await AnswersAsync(app, doors, TokenFormat.Generate());
        Assert.Equal(unknown, pruned);
        Assert.StartsWith("401", pruned.Api, StringComparison.Ordinal);
        Assert.StartsWith("401", pruned.ForwardAuth, StringComparison.Ordinal);
        Assert.False(pruned.Review.Authenticated);

        // Seen by the verifier as unknown, not as revoked.
        var after = await scraper.GetStringAsync("/metrics");
        Assert.Equal(2, Sample(after, "latchkey_verifications_total{door=\"forward-auth\",outcome=\"unknown\"}")
            - Sample(before, "latchkey_verifications_total{door=\"forward-auth\",outcome=\"unknown\"}"));
        Assert.Equal(Sample(before, "latchkey_verifications_total{door=\"forward-auth\",outcome=\"revoked\"}"),
            Sample(after, "latchkey_verifications_total{door=\"forward-auth\",outcome=\"revoked\"}"));
    }

    [Fact]
    public async Task Tokens_made_from_a_pruned_token_are_pruned_with_it()
    {
        await using var app = await TestApp.StartAsync();
        var doors = await Doors.OpenAsync(app);
        var admin = await app.LoginAsync();
        var parent = await app.CreateTokenAsync(admin, new CreateTokenRequest("parent", ExpiresInDays: 30));
        var child = await Api.ReadAsync<ClusterToken>(await doors.CredentialAsync(parent.Secret));
        using (var client = app.Client(admin))
        {
            // The parent retires ten minutes in; its exec credential would have run for an hour.
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/tokens/{parent.Id}/rotate", new RotateTokenRequest(600))).StatusCode);
        }

        var successor = await app.WithStoreAsync(db => db.AccessTokens.Where(t => t.Id == parent.Id).Select(t => t.ReplacedByTokenId).SingleAsync());
        app.Time.Advance(TimeSpan.FromDays(90) + TimeSpan.FromMinutes(30));

        Assert.Equal(2, (await RunAsync(app)).Tokens);
        var kept = await TokenIdsAsync(app);
        Assert.DoesNotContain(parent.Id, kept);
        Assert.DoesNotContain(child.TokenId, kept);
        Assert.Contains(successor!, kept);
        Assert.False((await doors.TokenReviewAsync(child.Token)).Authenticated);
    }

    [Fact]
    public async Task A_successor_is_kept_while_the_rotated_token_that_names_it_is()
    {
        await using var app = await TestApp.StartAsync();
        var doors = await Doors.OpenAsync(app);
        var admin = await app.LoginAsync();
        var old = await app.CreateTokenAsync(admin, new CreateTokenRequest("rotated", ExpiresInDays: 300));
        CreatedToken successor;
        using (var client = app.Client(admin))
        {
            // No grace: the old token works until its successor is first used, which never happens.
            successor = await Api.ReadAsync<CreatedToken>(await client.PostAsync($"/api/v1/tokens/{old.Id}/rotate", null));
        }

        await RevokeAsync(app, admin, successor.Id);
        app.Time.Advance(TimeSpan.FromDays(91));
        await RunAsync(app);
        Assert.Contains(successor.Id, await TokenIdsAsync(app));
        Assert.Equal(HttpStatusCode.OK, await doors.ApiAsync(old.Secret));

        await RevokeAsync(app, await app.LoginAsync(), old.Id);
        app.Time.Advance(TimeSpan.FromDays(91));
        await RunAsync(app);
        var kept = await TokenIdsAsync(app);
        Assert.DoesNotContain(old.Id, kept);
        Assert.DoesNotContain(successor.Id, kept);
    }

    [Fact]
    public async Task The_usage_notices_and_addresses_of_a_pruned_token_go_with_it()
    {
        await using var app = await TestApp.StartAsync(new(TestApp.BehindLocalProxy) { ["Latchkey:Retention:Usage"] = "365" });
        var doors = await Doors.OpenAsync(app);
        var admin = await app.LoginAsync();
        var token = await app.CreateTokenAsync(admin, new CreateTokenRequest("used"));
        var other = await app.CreateTokenAsync(admin, new CreateTokenRequest("used too", ExpiresInDays: 300));
        Assert.Equal(HttpStatusCode.OK, await doors.ForwardAuthAsync(token.Secret, "198.51.100.7"));
        Assert.Equal(HttpStatusCode.OK, await doors.ForwardAuthAsync(other.Secret, "198.51.100.8"));
        await app.Services.GetRequiredService<UsageRecorder>().FlushAsync();
        await app.WithStoreAsync(async db =>
        {
            var owner = await db.Users.SingleAsync();
            db.OwnerNotices.Add(new OwnerNotice
            {
                Id = Guid.NewGuid(), OrganizationId = owner.OrganizationId, UserId = owner.Id, TokenId = token.Id, Kind = "token.expiring",
                DedupKey = $"token.expiring:7:{token.Id}", Subject = "s", Text = "t", CreatedAt = app.Time.GetUtcNow(),
            });
            return await db.SaveChangesAsync();
        });
        await RevokeAsync(app, admin, token.Id);
        app.Time.Advance(TimeSpan.FromDays(91));

        var run = await RunAsync(app);
        Assert.Equal(1, run.Tokens);
        Assert.Equal(2, run.Usage);
        Assert.Empty(await app.WithStoreAsync(db => db.TokenUsageDays.Where(u => u.TokenId == token.Id).ToListAsync()));
        Assert.Empty(await app.WithStoreAsync(db => db.TokenSources.Where(s => s.TokenId == token.Id).ToListAsync()));
        Assert.Empty(await app.WithStoreAsync(db => db.OwnerNotices.Where(n => n.TokenId == token.Id).ToListAsync()));
        Assert.Single(await app.WithStoreAsync(db => db.TokenUsageDays.Where(u => u.TokenId == other.Id).ToListAsync()));
        Assert.Single(await app.WithStoreAsync(db => db.TokenSources.Where(s => s.TokenId == other.Id).ToListAsync()));
    }

    [Fact]
    public async Task Usage_older_than_the_configured_period_is_pruned()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:Retention:Usage"] = "30" });
        var now = app.Time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        await app.WithStoreAsync(async db =>
        {
            db.TokenUsageDays.AddRange(
                new TokenUsageDay { TokenId = "t1", Day = today.AddDays(-31), Door = "api", Count = 5 },
                new TokenUsageDay { TokenId = "t1", Day = today.AddDays(-29), Door = "api", Count = 6 });
            db.TokenSources.AddRange(
                new TokenSource { TokenId = "t1", Address = "192.0.2.1", LastSeenAt = now.AddDays(-31) },
                new TokenSource { TokenId = "t1", Address = "192.0.2.2", LastSeenAt = now.AddDays(-29) });
            return await db.SaveChangesAsync();
        });

        Assert.Equal(2, (await RunAsync(app)).Usage);
        Assert.Equal([today.AddDays(-29)], await app.WithStoreAsync(db => db.TokenUsageDays.Select(u => u.Day).ToListAsync()));
        Assert.Equal(["192.0.2.2"], await app.WithStoreAsync(db => db.TokenSources.Select(s => s.Address).ToListAsync()));
    }

    [Fact]
    public async Task Audit_events_are_kept_for_ever_by_default()
    {
        await using var app = await TestApp.StartAsync();
        await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("audited"));
        var before = await app.WithStoreAsync(db => db.AuditEvents.Select(e => e.Id).ToListAsync());
        app.Time.Advance(TimeSpan.FromDays(3650));

        var run = await RunAsync(app);
        Assert.Equal(0, run.Audit);
        Assert.Superset(before.ToHashSet(), (await app.WithStoreAsync(db => db.AuditEvents.Select(e => e.Id).ToListAsync())).ToHashSet());
    }

    [Fact]
    public async Task Audit_events_older_than_a_set_period_are_pruned()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:Retention:Audit"] = "30.00:00:00" });
        await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("audited"));
        var old = await app.WithStoreAsync(db => db.AuditEvents.CountAsync());
        Assert.True(old >= 2);
        app.Time.Advance(TimeSpan.FromDays(29));
        await app.LoginAsync();
        var recent = await app.WithStoreAsync(db => db.AuditEvents.Select(e => e.Id).ToListAsync());
        app.Time.Advance(TimeSpan.FromDays(2));

        Assert.Equal(old, (await RunAsync(app)).Audit);
        var kept = await app.WithStoreAsync(db => db.AuditEvents.OrderBy(e => e.Id).ToListAsync());
        Assert.Equal(recent.Skip(old), kept.Select(e => e.Id).Where(recent.Contains));
        Assert.Equal(Retention.Action, kept[^1].Action);
    }

    [Fact]
    public async Task More_rows_than_one_batch_are_pruned_a_batch_per_statement()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:Retention:Audit"] = "30" });
        var rows = 2 * Retention.BatchSize + 7;
        var now = app.Time.GetUtcNow();
        var ended = now.AddDays(-100);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        await app.WithStoreAsync(async db =>
        {
            var owner = await db.Users.SingleAsync();
            for (var i = 0; i < rows; i++)
            {
                var id = $"bulk{i:D6}";
                db.AccessTokens.Add(new AccessToken
                {
                    Id = id, OrganizationId = owner.OrganizationId, UserId = owner.Id, Name = id, CreatedVia = "api", CreatedAt = ended.AddDays(-1),
                    ExpiresAt = i % 2 == 0 ? ended : now.AddDays(30), RevokedAt = i % 2 == 0 ? null : ended,
                    SecretDigest = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), DigestKeyId = "k",
                });
                db.TokenUsageDays.Add(new TokenUsageDay { TokenId = $"other{i}", Day = today.AddDays(-100), Door = "api", Count = 1 });
                db.AuditEvents.Add(new AuditEvent { Time = ended, Action = "auth.failed", Outcome = "failure" });
            }

            return await db.SaveChangesAsync();
        });
        var statements = app.Queries.Texts.Count;

        var run = await RunAsync(app);
        Assert.Equal((rows, rows, rows), (run.Tokens, run.Usage, run.Audit));
        var sent = app.Queries.Texts.Skip(statements).ToList();
        Assert.Equal(3, sent.Count(s => s.StartsWith("DELETE FROM \"AccessTokens\"", StringComparison.Ordinal)));
        Assert.Equal(3, sent.Count(s => s.StartsWith("DELETE FROM \"TokenUsageDays\"", StringComparison.Ordinal) && !s.Contains("\"TokenId\" IN", StringComparison.Ordinal) && s.Contains("\"Day\" <", StringComparison.Ordinal)));
        Assert.Equal(3, sent.Count(s => s.StartsWith("DELETE FROM \"AuditEvents\"", StringComparison.Ordinal)));
        Assert.Equal(0, await app.WithStoreAsync(db => db.AccessTokens.CountAsync(t => t.Id.StartsWith("bulk"))));
        Assert.Equal(0, await app.WithStoreAsync(db => db.TokenUsageDays.CountAsync()));
        Assert.Equal(0, await app.WithStoreAsync(db => db.AuditEvents.CountAsync(e => e.Time == ended)));
    }

    [Fact]
    public async Task A_run_that_prunes_writes_one_audit_event_a_log_line_and_the_metric_and_an_empty_run_writes_none()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        var token = await app.CreateTokenAsync(admin, new CreateTokenRequest("ends"));
        await RevokeAsync(app, admin, token.Id);
        await app.WithStoreAsync(db =>
        {
            db.TokenUsageDays.Add(new TokenUsageDay { TokenId = "gone", Day = DateOnly.FromDateTime(app.Time.GetUtcNow().UtcDateTime), Door = "api", Count = 1 });
            return db.SaveChangesAsync();
        });
        app.Time.Advance(TimeSpan.FromDays(91));

        Assert.Equal(new RetentionCounts(1, 1, 0), await RunAsync(app));
        Assert.Equal(RetentionCounts.None, await RunAsync(app));

        var events = await app.WithStoreAsync(db => db.AuditEvents.Where(e => e.Action == Retention.Action).ToListAsync());
        var recorded = Assert.Single(events);
        Assert.Equal("success", recorded.Outcome);
        Assert.Null(recorded.OrganizationId);
        Assert.StartsWith("tokens=1 usage=1 audit=0", recorded.Detail, StringComparison.Ordinal);
        Assert.Single(app.Logs.Entries, l => l.Contains("Retention pruned 1 tokens, 1 usage rows and 0 audit events", StringComparison.Ordinal));

        using var scraper = app.Client(await app.LoginAsync());
        var metrics = await scraper.GetStringAsync("/metrics");
        Assert.Contains("# TYPE latchkey_retention_pruned_total counter\n", metrics, StringComparison.Ordinal);
        Assert.Equal(1, Sample(metrics, "latchkey_retention_pruned_total{kind=\"tokens\"}"));
        Assert.Equal(1, Sample(metrics, "latchkey_retention_pruned_total{kind=\"usage\"}"));
        Assert.Equal(0, Sample(metrics, "latchkey_retention_pruned_total{kind=\"audit\"}"));
    }

    [Theory]
    [InlineData("Tokens", "0")]
    [InlineData("Tokens", "-1.00:00:00")]
    [InlineData("Usage", "00:00:00")]
    [InlineData("Audit", "0")]
    [InlineData("Audit", "-30")]
    public async Task A_period_of_zero_or_less_stops_the_start_with_the_setting_named(string setting, string value)
    {
        var failure = await Assert.ThrowsAsync<StartupRefusedException>(() => TestApp.StartAsync(new() { [$"Latchkey:Retention:{setting}"] = value }));
        Assert.StartsWith($"Latchkey:Retention:{setting} ", failure.Message, StringComparison.Ordinal);
        Assert.Contains("longer than zero", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_server_process_refuses_a_zero_period_with_one_line_and_exit_code_1()
    {
        var dataDir = Directory.CreateTempSubdirectory("latchkey-retention-").FullName;
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("dotnet",
                [Path.Combine(AppContext.BaseDirectory, "latchkey-server.dll"), "--urls", "http://127.0.0.1:0", "--Latchkey:Retention:Tokens=0"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                WorkingDirectory = dataDir,
            };
            start.Environment["LATCHKEY_DATADIR"] = dataDir;
            using var process = System.Diagnostics.Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            _ = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);

            Assert.Equal(1, process.ExitCode);
            var line = Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("latchkey-server: Latchkey:Retention:Tokens ", line, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

#if POSTGRES
    [Fact]
    public async Task Two_replicas_pruning_at_once_delete_each_row_once_and_audit_what_each_deleted()
    {
        await using var a = await TestApp.StartAsync();
        await using var b = await a.StartReplicaAsync();
        var admin = await a.LoginAsync();
        var tokens = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var token = await a.CreateTokenAsync(admin, new CreateTokenRequest($"t{i}"));
            await RevokeAsync(a, admin, token.Id);
            tokens.Add(token.Id);
        }

        a.Time.Advance(TimeSpan.FromDays(91));
        var runs = await Task.WhenAll(RunAsync(a), RunAsync(b));
        Assert.Equal(5, runs.Sum(r => r.Tokens));
        Assert.Empty((await TokenIdsAsync(a)).Intersect(tokens));
        // Each run that deleted anything says so, with its own share.
        var recorded = await a.WithStoreAsync(db => db.AuditEvents.Where(e => e.Action == Retention.Action).Select(e => e.Detail!).ToListAsync());
        Assert.Equal(runs.Count(r => r.Total > 0), recorded.Count);
        Assert.Equal(5, recorded.Sum(d => int.Parse(Regex.Match(d, @"^tokens=(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_replica_that_finds_another_one_deleting_leaves_the_run_to_it()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        var token = await app.CreateTokenAsync(admin, new CreateTokenRequest("ends"));
        await RevokeAsync(app, admin, token.Id);
        app.Time.Advance(TimeSpan.FromDays(91));
        await using (var other = new Npgsql.NpgsqlConnection(app.ConnectionString))
        {
            // Another replica, in the middle of a batch.
            await other.OpenAsync(TestContext.Current.CancellationToken);
            await using var transaction = await other.BeginTransactionAsync(TestContext.Current.CancellationToken);
            await using var command = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_xact_lock({Retention.LockKey})", other, transaction);
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);

            Assert.Equal(RetentionCounts.None, await RunAsync(app));
            Assert.Contains(token.Id, await TokenIdsAsync(app));
        }

        Assert.Equal(1, (await RunAsync(app)).Tokens);
        Assert.DoesNotContain(token.Id, await TokenIdsAsync(app));
    }
#endif

    internal static Task<RetentionCounts> RunAsync(TestApp app) => app.Services.GetRequiredService<Retention>().RunOnceAsync(TestContext.Current.CancellationToken);

    private static async Task RevokeAsync(TestApp app, string admin, string id)
    {
        using var client = app.Client(admin);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/tokens/{id}")).StatusCode);
    }

    private static Task<HashSet<string>> TokenIdsAsync(TestApp app) =>
        app.WithStoreAsync(async db => (await db.AccessTokens.Select(t => t.Id).ToListAsync()).ToHashSet());

    /// <summary>What each door says to a token: status, challenge and body at the API and forward-auth (trace ids aside), and the review's status.</summary>
    private static async Task<(string Api, string ForwardAuth, (bool Authenticated, string? Error) Review)> AnswersAsync(TestApp app, Doors doors, string secret)
    {
        using var client = app.Client(secret);
        return (await DescribeAsync(await client.GetAsync("/api/v1/whoami")), await DescribeAsync(await client.GetAsync("/auth/verify")),
            await doors.TokenReviewAsync(secret));
    }

    private static async Task<string> DescribeAsync(HttpResponseMessage response)
    {
        var body = Regex.Replace(await response.Content.ReadAsStringAsync(), "\"traceId\":\"[^\"]*\"", "");
        return $"{(int)response.StatusCode} {response.Headers.WwwAuthenticate} {response.Content.Headers.ContentType} {body}";
    }

    private static double Sample(string metrics, string series) =>
        metrics.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Single();
}
