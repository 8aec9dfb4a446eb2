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
    public async Task A_console_session_shows_a_secret_only_in_its_reveal_and_its_kubeconfig_and_logs_none_of_its_secrets()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddClusterAsync("prod-1");
        using var console = await ConsoleClient.SignInAsync(app);

        await console.SubmitAsync("/tokens/new", new() { ["name"] = "console leak check", ["expiration"] = "7", ["note"] = "n" });
        var secret = console.Field("secret");
        var form = new Dictionary<string, string> { ["secret"] = secret, ["cluster"] = "prod-1", ["__RequestVerificationToken"] = console.AntiforgeryToken() };
        var download = await console.PostAsync("/tokens/kubeconfig", form);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("prod-1-kubeconfig.yaml", download.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal("no-store", download.Headers.CacheControl?.ToString());
        Assert.Contains($"token: {secret}", console.Html, StringComparison.Ordinal);

        // The download serves only a live token of the caller's own, for a cluster they may use.
        Assert.Equal(HttpStatusCode.NotFound, (await console.PostAsync("/tokens/kubeconfig", new(form) { ["cluster"] = "nope" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await console.PostAsync("/tokens/kubeconfig", new(form) { ["secret"] = secret[..^1] + (secret[^1] == 'x' ? 'y' : 'x') })).StatusCode);

        var id = await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Single(t => t.Name == "console leak check").Id));
        await console.GetAsync("/tokens");
        await console.GetAsync("/audit");
        await console.SubmitAsync($"/tokens/{id}/delete", []);
        Assert.True(console.Location?.Query == $"?revoked={id}", $"the deletion ended at {(int)console.Last!.StatusCode} {console.Location}");
        Assert.NotNull(await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Single(t => t.Id == id).RevokedAt)));
        Assert.Equal(HttpStatusCode.NotFound, (await console.PostAsync("/tokens/kubeconfig", form)).StatusCode);

        await console.SubmitAsync("/settings/invite", new() { ["email"] = "new@example.test" });
        var link = new Uri(System.Text.RegularExpressions.Regex.Match(console.Html, @"value=""(http[^""]+/invite/[^""]+)""").Groups[1].Value);
        var code = link.AbsolutePath["/invite/".Length..];
        using (var invited = new ConsoleClient(app))
        {
            await invited.SubmitAsync(link.AbsolutePath, new() { ["code"] = code, ["password"] = "a long enough password", ["confirmation"] = "a long enough password" }, "/invite");
            Assert.Equal("/signin", invited.Location?.AbsolutePath);
        }

        await app.RestartAsync();

        Assert.Equal(2, app.Traffic.Responses.Count(r => r.Contains(secret, StringComparison.Ordinal)));
        Assert.Equal(2, app.Traffic.Responses.Count(r => r.Contains(code, StringComparison.Ordinal)));
        foreach (var leak in new[] { secret, code })
        {
            Assert.DoesNotContain(app.Logs.Entries, e => e.Contains(leak, StringComparison.Ordinal));
            foreach (var file in Directory.EnumerateFiles(app.DataDir, "*", SearchOption.AllDirectories))
            {
                Assert.Equal(-1, (await File.ReadAllBytesAsync(file)).AsSpan().IndexOf(Encoding.ASCII.GetBytes(leak)));
            }
        }

        var events = await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.ToList()));
        Assert.Contains(events, e => e.Action == "kubeconfig.download" && e.TargetId == id);
        Assert.Contains(events, e => e.Action == "user.invitation.accept" && e.TargetId == "new@example.test");
        Assert.All(events, e => Assert.DoesNotContain(secret, string.Join('|', Fields(e)), StringComparison.Ordinal));
        Assert.All(events, e => Assert.DoesNotContain(code, string.Join('|', Fields(e)), StringComparison.Ordinal));
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
