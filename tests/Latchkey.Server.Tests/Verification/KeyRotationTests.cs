using System.Net;
using System.Text;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;
using Latchkey.Server.Verification;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Verification;

public class KeyRotationTests
{
    [Fact]
    public async Task After_keys_rotate_old_tokens_and_webhook_credentials_keep_working_and_new_tokens_use_the_new_key()
    {
        await using var app = await TestApp.StartAsync();
        var webhook = await app.AddClusterAsync("prod-1");
        var admin = await app.LoginAsync();
        var before = await app.CreateTokenAsync(admin, new CreateTokenRequest("before rotation"));
        var oldKey = app.Services.GetRequiredService<TokenKeyRing>().CurrentKeyId;

        // Run with the server's configuration, as an operator would: the data folder, and the store it audits into.
        string[] store = TestApp.Provider == "postgres" ? ["--Latchkey:Database:Provider=postgres", $"--Latchkey:Database:ConnectionString={app.ConnectionString}"] : [];
        Assert.Equal(0, ServerCommands.RotateKeys([$"--Latchkey:DataDir={app.DataDir}", .. store]));
        await app.RestartAsync();

        var keys = app.Services.GetRequiredService<TokenKeyRing>();
        Assert.NotEqual(oldKey, keys.CurrentKeyId);
        Assert.Equal(keys.CurrentKeyId, await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Single(e => e.Action == "token-key.rotate").TargetId)));
        Assert.Contains(keys.OlderKeys, k => k.Id == oldKey);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(app.DataDir, TokenKeyRing.FileName)));

        using (var old = app.Client(before.Secret))
        {
            Assert.Equal(HttpStatusCode.OK, (await old.GetAsync("/api/v1/whoami")).StatusCode);
            // Then cached like any other token: an old key must not mean a store lookup on every use.
            var lookups = app.Queries.TokenLookups;
            Assert.Equal(HttpStatusCode.OK, (await old.GetAsync("/api/v1/whoami")).StatusCode);
            Assert.Equal(lookups, app.Queries.TokenLookups);
        }

        using (var cluster = app.Client(webhook))
        {
            var review = await cluster.PostAsync("/apis/authentication.k8s.io/v1/tokenreviews", new StringContent(
                ClusterAuth.TokenReviewTests.Review(before.Secret), Encoding.UTF8, "application/json"));
            Assert.Contains("\"authenticated\":true", await review.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var after = await app.CreateTokenAsync(admin, new CreateTokenRequest("after rotation"));
        Assert.Equal(keys.CurrentKeyId, await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Single(t => t.Id == after.Id).DigestKeyId)));

        // Revoking a token stored under the old key takes effect at once too, cached as it is.
        using var owner = app.Client(before.Secret);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/v1/tokens/{before.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await owner.GetAsync("/api/v1/whoami")).StatusCode);
    }
}
