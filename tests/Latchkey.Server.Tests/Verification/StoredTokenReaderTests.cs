using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;
using Latchkey.Server.Verification;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Verification;

/// <summary>
/// Verification reads a token with its own prepared statement, not through the ORM: for tokens in
/// every state the two must read the same row, field by field, on both stores.
/// </summary>
public class StoredTokenReaderTests
{
    [Fact]
    public async Task The_prepared_lookup_reads_what_the_ORM_projection_reads_for_tokens_in_every_state()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddClusterAsync("prod-1");
        var login = await app.LoginAsync();
        using var admin = app.Client(login);
        var plain = await app.CreateTokenAsync(login, new CreateTokenRequest("plain"));
        var narrow = await app.CreateTokenAsync(login, new CreateTokenRequest("narrow", Note: "ci", ExpiresInDays: 3,
            Scopes: ["metrics:read"], AllowedCidrs: ["10.0.0.0/8", "2001:db8::/32"]));
        var revoked = await app.CreateTokenAsync(login, new CreateTokenRequest("revoked"));
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/tokens/{revoked.Id}")).StatusCode);

        // A rotation without grace: the old token retires at the new one's first use (its successor is read in the same row).
        var waiting = await app.CreateTokenAsync(login, new CreateTokenRequest("waiting"));
        using var withWaiting = app.Client(waiting.Secret);
        var successor = await Api.ReadAsync<CreatedToken>(await withWaiting.PostAsJsonAsync("/api/v1/tokens/self/rotate", new RotateTokenRequest(GraceSeconds: 0)));
        // A rotation with grace, and an exec credential made from the token in its grace (a child with a parent).
        var graced = await app.CreateTokenAsync(login, new CreateTokenRequest("graced"));
        using var withGraced = app.Client(graced.Secret);
        var child = await Api.ReadAsync<ClusterToken>(await withGraced.PostAsync("/api/v1/clusters/prod-1/credentials", null));
        await Api.ReadAsync<CreatedToken>(await withGraced.PostAsJsonAsync("/api/v1/tokens/self/rotate", new RotateTokenRequest(GraceSeconds: 600)));

        var keys = app.Services.GetRequiredService<TokenKeyRing>();
        var reader = app.Services.GetRequiredService<StoredTokenReader>();
        string[] secrets = [plain.Secret, narrow.Secret, revoked.Secret, waiting.Secret, successor.Secret, graced.Secret, child.Token, "lk_" + new string('a', 30) + "000000"];
        var compared = 0;
        foreach (var secret in secrets)
        {
            var digest = keys.Digest(secret).ToArray();
            var viaOrm = await app.WithStoreAsync(db => TokenLookup.FindByDigest(db, digest, keys.CurrentKeyId));
            var prepared = await reader.FindByDigestAsync(digest, keys.CurrentKeyId);
            if (viaOrm is null)
            {
                Assert.Null(prepared);
                continue;
            }

            Assert.NotNull(prepared);
            foreach (var property in typeof(TokenLookup.TokenRow).GetProperties())
            {
                var expected = property.GetValue(viaOrm);
                var actual = property.GetValue(prepared);
                Assert.True(Equivalent(expected, actual), $"{property.Name} of '{viaOrm.Name}': ORM {Show(expected)}, prepared {Show(actual)}");
            }

            compared++;
        }

        Assert.Equal(secrets.Length - 1, compared);
        var rows = await app.WithStoreAsync(async db =>
        {
            var successorRow = await TokenLookup.FindByDigest(db, keys.Digest(successor.Secret).ToArray(), keys.CurrentKeyId);
            var childRow = await TokenLookup.FindByDigest(db, keys.Digest(child.Token).ToArray(), keys.CurrentKeyId);
            return (successorRow, childRow);
        });
        // The states the comparison was meant to cover are really there.
        Assert.Equal(waiting.Id, rows.successorRow!.RetiresOnFirstUse);
        Assert.NotNull(rows.childRow!.ParentDigest);
        Assert.NotNull(rows.childRow.ParentRetiresAt);
    }

    [Fact]
    public async Task A_miss_after_the_store_went_away_is_an_outage_not_an_answer_from_a_kept_connection()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:VerificationCacheTtl"] = "00:00:00" });
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("kept"));
        using var client = app.Client(token.Secret);
        // The lookup's connection is open and its statement prepared now.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);

        await app.TakeStoreAwayAsync();
        try
        {
            await Api.AssertProblemAsync(await client.GetAsync("/api/v1/whoami"), System.Net.HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            await app.BringStoreBackAsync();
        }

        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
    }

    [Fact]
    public async Task Distinct_tokens_missed_at_once_each_get_their_own_grant_and_unknown_ones_none()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:VerificationCacheTtl"] = "00:00:00" });
        var login = await app.LoginAsync();
        var tokens = new List<CreatedToken>();
        for (var i = 0; i < 40; i++)
        {
            tokens.Add(await app.CreateTokenAsync(login, new CreateTokenRequest($"rush {i}")));
        }

        // A cold cache meeting a rush: every token at once, three times over, with unknown ones among them.
        var rush = Enumerable.Range(0, 3).SelectMany(_ => tokens.Select(t => (t.Secret, Expected: (string?)t.Id)))
            .Concat(Enumerable.Range(0, 20).Select(_ => (Secret: Core.Tokens.TokenFormat.Generate(), Expected: (string?)null)))
            .OrderBy(_ => Random.Shared.Next()).ToList();
        var answers = await Task.WhenAll(rush.Select(async r =>
        {
            using var client = app.Client(r.Secret);
            var response = await client.GetAsync("/api/v1/whoami");
            return (r.Expected, response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));

        foreach (var (expected, status, body) in answers)
        {
            if (expected is null)
            {
                Assert.Equal(System.Net.HttpStatusCode.Unauthorized, status);
                continue;
            }

            Assert.Equal(System.Net.HttpStatusCode.OK, status);
            Assert.Equal(expected, System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("token").GetProperty("id").GetString());
        }
    }

    private static bool Equivalent(object? expected, object? actual) => (expected, actual) switch
    {
        (byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b),
        (DateTimeOffset a, DateTimeOffset b) => a.UtcTicks == b.UtcTicks,
        _ => Equals(expected, actual),
    };

    private static string Show(object? value) => value switch
    {
        null => "null",
        byte[] bytes => Convert.ToHexString(bytes),
        _ => value.ToString() ?? "",
    };
}
