using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests.Faults;

/// <summary>
/// A store that hangs instead of failing: every door answers within the request budget with a 503
/// that names the cause and says when to come back, never a 200 and never after the client gave up.
/// Figures are reported, not asserted; the 15 s client timeout is what proves nothing hung for
/// the drivers' own timeouts.
/// </summary>
public class StoreHangTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    /// <summary>The default budget (test apps otherwise get a longer one).</summary>
    private const string Budget = "00:00:02";

#if POSTGRES
    [Fact]
    public async Task With_the_database_connection_stalled_every_door_and_readyz_answer_503_naming_the_cause()
    {
        await using var a = await TestApp.StartAsync();
        var store = new Npgsql.NpgsqlConnectionStringBuilder(a.ConnectionString);
        await using var network = new TcpProxy(store.Port);
        // Only the port changes: the replica runs on Latchkey's default timeouts.
        store.Port = network.Port;
        await using var b = await a.StartReplicaAsync(new()
        {
            ["Latchkey:Database:ConnectionString"] = store.ConnectionString,
            ["Latchkey:RequestBudget"] = Budget,
        });
        var webhook = await a.AddClusterAsync("prod-1");
        var admin = await a.LoginAsync();
        // Neither token has been seen by the replica: each must be looked up.
        var token = await a.CreateTokenAsync(admin, new CreateTokenRequest("never used on b"));
        var other = await a.CreateTokenAsync(admin, new CreateTokenRequest("nor this one"));
        using var console = await WarmAsync(() => ConsoleClient.SignInAsync(b));

        network.Stall();
        try
        {
            var doors = new (string Door, Func<HttpClient, Task<HttpResponseMessage>> Ask)[]
            {
                ("forward-auth", c => Send(c, HttpMethod.Get, "/auth/verify", token.Secret)),
                ("REST API", c => Send(c, HttpMethod.Get, "/api/v1/tokens", other.Secret)),
                ("login", c => c.PostAsJsonAsync("/api/v1/login", new LoginRequest(TestApp.AdminEmail, TestApp.AdminPassword))),
                ("TokenReview", c => Send(c, HttpMethod.Post, "/apis/authentication.k8s.io/v1/tokenreviews", webhook, ClusterAuth.TokenReviewTests.Review(token.Secret))),
                ("SubjectAccessReview", c => Send(c, HttpMethod.Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews", webhook,
                    System.Text.Json.JsonSerializer.Serialize(new
                    {
                        apiVersion = "authorization.k8s.io/v1",
                        kind = "SubjectAccessReview",
                        spec = new
                        {
                            user = TestApp.AdminEmail,
                            resourceAttributes = new { verb = "get", resource = "pods" },
                            extra = new Dictionary<string, string[]> { [Reviews.TokenIdExtra] = [token.Id] },
                        },
                    }))),
                ("console", c => c.GetAsync("/tokens")),
                ("/readyz", c => c.GetAsync("/readyz")),
            };

            var figures = new List<string>();
            foreach (var (door, ask) in doors)
            {
                using var client = new HttpClient(new HttpClientHandler { CookieContainer = console.Cookies }) { BaseAddress = b.BaseAddress, Timeout = Patience };
                var clock = Stopwatch.StartNew();
                using var answer = await ask(client);
                figures.Add($"{door} {clock.Elapsed.TotalMilliseconds:0} ms");
                await AssertUnavailableAsync(answer, door, "timed out");
            }

            Report($"PostgreSQL connection stalled, budget 2 s: 503 after {string.Join(", ", figures)}");
        }
        finally
        {
            network.Resume();
        }

        // Back in touch, the same replica answers again.
        using var user = b.Client(token.Secret);
        Assert.Equal(HttpStatusCode.OK, await Replicas.ReplicaTests.UntilAsync(user, s => s == HttpStatusCode.OK));
    }
#else
    [Fact]
    public async Task With_the_SQLite_write_lock_held_elsewhere_login_and_token_creation_answer_503_locked_and_change_nothing()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:WriteBehindInterval"] = "01:00:00", ["Latchkey:RequestBudget"] = Budget });
        var admin = await WarmAsync(() => app.LoginAsync());
        var before = await CountsAsync(app);

        await using (var holder = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(app.DataDir, "latchkey.db")};Pooling=false"))
        {
            await holder.OpenAsync();
            await using (var begin = holder.CreateCommand())
            {
                // Another process's writer (a sqlite3 shell, a backup tool) in the middle of its transaction.
                begin.CommandText = "BEGIN IMMEDIATE; UPDATE \"Organizations\" SET \"Name\" = \"Name\";";
                await begin.ExecuteNonQueryAsync();
            }

            using var client = new HttpClient { BaseAddress = app.BaseAddress, Timeout = Patience };
            var clock = Stopwatch.StartNew();
            using var login = await client.PostAsJsonAsync("/api/v1/login", new LoginRequest(TestApp.AdminEmail, TestApp.AdminPassword));
            var loginTime = clock.Elapsed;
            await AssertUnavailableAsync(login, "login", "locked");

            clock.Restart();
            using var create = await Send(client, HttpMethod.Post, "/api/v1/tokens", admin, """{"name":"while locked"}""");
            var createTime = clock.Elapsed;
            await AssertUnavailableAsync(create, "token create", "locked");
            Report($"SQLite write lock held, budget 2 s: login 503 after {loginTime.TotalMilliseconds:0} ms, token create 503 after {createTime.TotalMilliseconds:0} ms");

            await using var rollback = holder.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        // A restart waits for the work those requests left behind: whatever it was going to write, it has by now.
        await app.RestartAsync();
        Assert.Equal(before, await CountsAsync(app));
        await WarmAsync(async () => (await Send(app.Client(), HttpMethod.Post, "/api/v1/tokens", admin, """{"name":"after the lock"}""")).EnsureSuccessStatusCode());
    }

    private static Task<(int Tokens, int Events)> CountsAsync(TestApp app) =>
        app.WithStoreAsync(async db => (await db.AccessTokens.CountAsync(), await db.AuditEvents.CountAsync()));
#endif

    /// <summary>
    /// Set-up, and the check that service is back: a cold app on a loaded test machine can take longer
    /// than the 2 s budget for its first requests (compiling queries), so these are asked again, for at most 30 s.
    /// </summary>
    private static async Task<T> WarmAsync<T>(Func<Task<T>> step)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await step();
            }
            catch (Exception e) when (e is HttpRequestException or Xunit.Sdk.TrueException && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                // 503 at the budget: once more, warmer.
            }
        }
    }

    internal static async Task AssertUnavailableAsync(HttpResponseMessage answer, string door, string cause)
    {
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"{door}: expected 503, got {(int)answer.StatusCode}: {body}");
        Assert.True(answer.Headers.RetryAfter is not null, $"{door}: a 503 without Retry-After");
        Assert.True(body.Contains(cause, StringComparison.Ordinal), $"{door}: the answer does not name the cause '{cause}': {body}");
        if (answer.Content.Headers.ContentType?.MediaType != "text/html")
        {
            await Api.AssertProblemAsync(answer, HttpStatusCode.ServiceUnavailable);
        }
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string bearer, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return client.SendAsync(request);
    }

    internal static void Report(string line)
    {
        TestContext.Current.SendDiagnosticMessage(line);
        File.AppendAllText(Path.Combine(AppContext.BaseDirectory, "fault-figures.txt"), $"{DateTimeOffset.UtcNow:O} {line}\n");
    }
}
