using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Faults;

public class CrashTests
{
    [Fact]
    public async Task Every_token_acknowledged_before_a_SIGKILL_verifies_after_restart_and_no_half_written_token_exists()
    {
        var dataDir = Directory.CreateTempSubdirectory("latchkey-crash-").FullName;
        var settings = new Dictionary<string, string> { ["Latchkey:LoginAttemptsPerMinute"] = "1000" };
        PostgresServer? postgres = null;
        string? database = null;
        if (TestApp.Provider == "postgres")
        {
            postgres = await PostgresServer.GetAsync();
            database = await postgres.CreateDatabaseAsync();
            settings["Latchkey:Database:Provider"] = "postgres";
            settings["Latchkey:Database:ConnectionString"] = postgres.ConnectionString(database);
        }

        try
        {
            var acknowledged = new ConcurrentBag<string>();
            await using (var server = await ServerProcess.StartAsync(dataDir, settings))
            {
                var admin = await LoginAsync(server.BaseAddress);
                using var stop = new CancellationTokenSource();
                var clients = Enumerable.Range(0, 32).Select(client => Task.Run(async () =>
                {
                    using var http = Client(server.BaseAddress, admin);
                    for (var i = 0; !stop.IsCancellationRequested; i++)
                    {
                        try
                        {
                            var response = await http.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest($"c{client}-{i}"));
                            if (response.StatusCode == HttpStatusCode.Created)
                            {
                                acknowledged.Add((await response.Content.ReadFromJsonAsync<CreatedToken>())!.Secret);
                            }
                        }
                        catch (HttpRequestException)
                        {
                            return; // the server is gone
                        }
                    }
                })).ToList();

                // Kill it in the middle of the stream of creates (bounded, whatever the machine's speed).
                var clock = System.Diagnostics.Stopwatch.StartNew();
                while (acknowledged.Count < 300 && clock.Elapsed < TimeSpan.FromSeconds(20) && !clients.All(c => c.IsCompleted))
                {
                    await Task.Delay(10);
                }

                Assert.True(acknowledged.Count >= 20, $"only {acknowledged.Count} creates were acknowledged before the kill");

                await server.KillAsync();
                await stop.CancelAsync();
                await Task.WhenAll(clients);
            }

            await using var restarted = await ServerProcess.StartAsync(dataDir, settings);
            foreach (var secret in acknowledged)
            {
                using var http = Client(restarted.BaseAddress, secret);
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/whoami")).StatusCode);
            }

            // Atomic creates: every stored token came with its audit event, in the same transaction.
            using var admin2 = Client(restarted.BaseAddress, await LoginAsync(restarted.BaseAddress));
            var tokens = await CountAsync<TokenInfo>(admin2, "/api/v1/tokens?limit=200", t => t.CreatedVia == "api");
            var creates = await CountAsync<AuditEventInfo>(admin2, "/api/v1/audit?action=token.create&limit=500", e => e.Outcome == "success");
            Assert.True(tokens >= acknowledged.Count, $"{tokens} stored, {acknowledged.Count} acknowledged");
            Assert.Equal(tokens, creates);
        }
        finally
        {
            if (postgres is not null)
            {
                await postgres.DropDatabaseAsync(database!);
            }

            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static HttpClient Client(Uri baseAddress, string token)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<string> LoginAsync(Uri baseAddress)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        var response = await http.PostAsJsonAsync("/api/v1/login", new LoginRequest(TestApp.AdminEmail, TestApp.AdminPassword));
        return (await Api.ReadAsync<LoginResponse>(response)).Token;
    }

    private static async Task<int> CountAsync<T>(HttpClient http, string first, Func<T, bool> counted)
    {
        var total = 0;
        string? cursor = null;
        do
        {
            var page = await Api.ReadAsync<Page<T>>(await http.GetAsync(cursor is null ? first : $"{first}&cursor={cursor}"));
            total += page.Items.Count(counted);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return total;
    }
}
