using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Tests.Infrastructure;
using Latchkey.Server.Verification;

namespace Latchkey.Server.Tests.Security;

public class SecretLeakTests
{
    [Fact]
    public async Task A_whole_session_at_debug_level_shows_the_secret_in_exactly_one_response_and_nowhere_else()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        using var adminClient = app.Client(admin);

        var createResponse = await adminClient.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("leak check", "note"));
        Assert.Equal("no-store", createResponse.Headers.CacheControl?.ToString());
        var created = await Api.ReadAsync<CreatedToken>(createResponse);
        var secret = created.Secret;

        using (var client = app.Client(secret))
        {
            await client.GetAsync("/api/v1/whoami");
            await client.GetAsync("/api/v1/tokens");
            await client.GetAsync($"/api/v1/tokens/{created.Id}");
            await client.GetAsync("/api/v1/clusters");
            await client.PostAsync("/api/v1/tokens", new StringContent("{\"name\":", Encoding.UTF8, "application/json"));
            await client.PostAsJsonAsync("/api/v1/tokens", new { name = "x", unknown = secret });
        }

        // Mistakes a client might make with the secret must not put it in a log either.
        using (var careless = app.Client())
        {
            await careless.GetAsync($"/api/v1/whoami?access_token={secret}");
            await careless.GetAsync($"/api/v1/tokens/{secret}");
            careless.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret + "x");
            await careless.GetAsync("/api/v1/whoami");
            careless.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", secret);
            await careless.GetAsync("/api/v1/whoami");
        }

        Assert.Equal(HttpStatusCode.NoContent, (await adminClient.DeleteAsync($"/api/v1/tokens/{created.Id}")).StatusCode);
        using (var revoked = app.Client(secret))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await revoked.GetAsync("/api/v1/whoami")).StatusCode);
        }

        await adminClient.GetAsync("/api/v1/audit");
        await app.RestartAsync();

        var responses = app.Traffic.Responses;
        Assert.Single(responses, r => r.Contains(secret, StringComparison.Ordinal));
        Assert.Single(responses, r => r.Contains(admin, StringComparison.Ordinal));
        Assert.DoesNotContain(app.Logs.Entries, e => e.Contains(secret, StringComparison.Ordinal));
        Assert.DoesNotContain(app.Logs.Entries, e => e.Contains(admin, StringComparison.Ordinal));
        Assert.NotEmpty(app.Logs.Entries);

        foreach (var bytes in (await app.StoreContentsAsync()).Concat(Directory.EnumerateFiles(app.DataDir).Select(File.ReadAllBytes)))
        {
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(secret)));
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(admin)));
        }

        // What the store does hold is the keyed digest, under the current key id.
        var stored = await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Single(t => t.Id == created.Id)));
        var keys = (TokenKeyRing)app.Services.GetService(typeof(TokenKeyRing))!;
        Assert.Equal(keys.Digest(secret).ToArray(), stored.SecretDigest);
        Assert.Equal(keys.CurrentKeyId, stored.DigestKeyId);
    }

    [Fact]
    public async Task The_token_key_file_and_data_folder_are_private_to_the_service_user()
    {
        await using var app = await TestApp.StartAsync();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(app.DataDir, TokenKeyRing.FileName)));
        if (TestApp.Provider == "sqlite")
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(app.DataDir, "latchkey.db")));
        }
    }

    [Fact]
    public async Task Audit_events_never_hold_a_secret()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        var created = await app.CreateTokenAsync(admin, new CreateTokenRequest("audited"));
        using var client = app.Client(created.Secret);
        await client.DeleteAsync($"/api/v1/tokens/{created.Id}");
        await client.GetAsync("/api/v1/whoami");
        using var adminClient = app.Client(admin);
        await adminClient.GetAsync("/api/v1/audit");

        var events = await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.ToList()));
        Assert.Contains(events, e => e.Action == "auth.failed" && e.TargetId == created.Id);
        Assert.All(events, e => Assert.DoesNotContain(created.Secret, string.Join('|', Fields(e)), StringComparison.Ordinal));
    }

    private static IEnumerable<string?> Fields(AuditEvent e) =>
        [e.Action, e.Outcome, e.ActorEmail, e.ActorTokenId, e.TargetType, e.TargetId, e.SourceAddress, e.UserAgent, e.Detail];
}
