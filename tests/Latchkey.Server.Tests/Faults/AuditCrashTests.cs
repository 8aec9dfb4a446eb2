using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Faults;

public class AuditCrashTests
{
    [Fact]
    public async Task Failed_token_reviews_older_than_the_audit_flush_survive_a_SIGKILL_with_their_count()
    {
        var dataDir = Directory.CreateTempSubdirectory("latchkey-audit-crash-").FullName;
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
            const int reviews = 500;
            await using (var server = await ServerProcess.StartAsync(dataDir, settings))
            {
                using var admin = Client(server.BaseAddress, await LoginAsync(server.BaseAddress));
                Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/clusters",
                    new CreateClusterRequest("crash", "https://crash.k8s.example.test:6443"))).StatusCode);
                var config = await Api.ReadAsync<WebhookConfig>(await admin.GetAsync("/api/v1/clusters/crash/webhook-config"));
                var credential = System.Text.RegularExpressions.Regex.Match(config.AuthenticationConfig, @"token: (lk_\w+)").Groups[1].Value;
                using var webhook = Client(server.BaseAddress, credential);
                const string body = """{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"lk_not_a_real_token"}}""";
                for (var i = 0; i < reviews; i++)
                {
                    var response = await webhook.PostAsync("/apis/authentication.k8s.io/v1/tokenreviews", new StringContent(body, Encoding.UTF8, "application/json"));
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }

                // More than the audit writer's second; far less than the 5 s of the usage write-behind.
                await Task.Delay(TimeSpan.FromSeconds(2));
                await server.KillAsync();
            }

            await using var restarted = await ServerProcess.StartAsync(dataDir, settings);
            using var reader = Client(restarted.BaseAddress, await LoginAsync(restarted.BaseAddress));
            var page = await Api.ReadAsync<Page<AuditEventInfo>>(await reader.GetAsync("/api/v1/audit?action=auth.failed&limit=500"));
            var failed = page.Items.Where(e => e.Detail?.StartsWith("TokenReview for cluster crash", StringComparison.Ordinal) == true).ToList();
            TestContext.Current.SendDiagnosticMessage($"kill -9 ({TestApp.Provider}): {reviews} failed TokenReviews, 2 s, SIGKILL: {failed.Count} event(s) after restart, counts sum to {failed.Sum(e => e.Count)}");
            Assert.Equal(reviews, failed.Sum(e => e.Count));
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
}
