using System.Net;
using System.Net.Http.Json;
using System.Text;
using Latchkey.Core.Contracts;
using Latchkey.Core.Tokens;
using Latchkey.Server.Tests.Infrastructure;
using Latchkey.Server.Tests.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Tokens;

/// <summary>POST /api/v1/tokens/revoke-leaked: anyone may kill a token they found, and learns nothing from the answer.</summary>
public class LeakedTokenTests
{
    private const string Route = "/api/v1/tokens/revoke-leaked";

    [Fact]
    public async Task The_answer_is_the_same_bytes_for_a_valid_an_invalid_and_an_already_revoked_token()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        var valid = await app.CreateTokenAsync(admin, new CreateTokenRequest("valid"));
        var revoked = await app.CreateTokenAsync(admin, new CreateTokenRequest("revoked"));
        using (var client = app.Client(admin))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/tokens/{revoked.Id}")).StatusCode);
        }

        var answers = new List<(HttpStatusCode Status, string? Type, byte[] Body)>();
        foreach (var reported in new[] { valid.Secret, OneCharacterChanged(valid.Secret), TokenFormat.Generate(), revoked.Secret, "not a token at all" })
        {
            using var anonymous = app.Client();
            var response = await anonymous.PostAsJsonAsync(Route, new RevokeLeakedRequest([reported]));
            answers.Add((response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsByteArrayAsync()));
        }

        Assert.Equal(HttpStatusCode.OK, answers[0].Status);
        Assert.Equal("{\"received\":1}", Encoding.UTF8.GetString(answers[0].Body));
        Assert.All(answers, a => Assert.Equal(answers[0].Status, a.Status));
        Assert.All(answers, a => Assert.Equal(answers[0].Type, a.Type));
        Assert.All(answers, a => Assert.Equal(answers[0].Body, a.Body));
        using var withValid = app.Client(valid.Secret);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withValid.GetAsync("/api/v1/whoami")).StatusCode);
    }

    [Fact]
    public async Task A_reported_token_fails_at_once_at_the_api_and_forward_auth_without_anyone_signing_in_and_is_audited()
    {
        await using var app = await TestApp.StartAsync();
        var member = await app.AddUserAsync("dev@example.test", role: "metrics-reader");
        var leaked = await app.CreateTokenAsync(member, new CreateTokenRequest("pushed to a repo"));
        using var withLeaked = app.Client(leaked.Secret);
        // Both doors have the token in their cache now.
        Assert.Equal(HttpStatusCode.OK, (await withLeaked.GetAsync("/api/v1/whoami")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withLeaked.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);

        using var anonymous = app.Client();
        var response = await anonymous.PostAsJsonAsync(Route, new RevokeLeakedRequest([leaked.Secret, leaked.Secret, "garbage"]));
        Assert.Equal(3, (await Api.ReadAsync<RevokeLeakedResponse>(response)).Received);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());

        Assert.Equal(HttpStatusCode.Unauthorized, (await withLeaked.GetAsync("/api/v1/whoami")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withLeaked.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
        var token = await app.WithStoreAsync(db => db.AccessTokens.SingleAsync(t => t.Id == leaked.Id));
        Assert.Equal("leaked", token.RevocationReason);
        Assert.Null(token.RevokedByUserId);

        await app.Services.GetRequiredService<Server.Audit.AuditLog>().FlushAsync();
        var events = await app.WithStoreAsync(db => db.AuditEvents.AsNoTracking().ToListAsync());
        var revocation = Assert.Single(events, e => e.Action == "token.revoke");
        Assert.Equal("success", revocation.Outcome);
        Assert.Equal(leaked.Id, revocation.TargetId);
        Assert.Equal("leaked", revocation.Detail);
        Assert.Equal(token.OrganizationId, revocation.OrganizationId);
        Assert.Contains(events, e => e.Action == "token.revoke-leaked" && e.Detail!.StartsWith("3 strings reported", StringComparison.Ordinal));
        Assert.Equal($"token.leaked:{leaked.Id}", (await app.NoticeAsync($"token.leaked:{leaked.Id}")).DedupKey);

        Assert.DoesNotContain(leaked.Secret, app.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain(events, e => $"{e.TargetId} {e.Detail} {e.UserAgent}".Contains("lk_", StringComparison.Ordinal));
        Assert.All(await app.StoreContentsAsync(), bytes => Assert.DoesNotContain(leaked.Secret, Encoding.Latin1.GetString(bytes), StringComparison.Ordinal));
    }

    [Fact]
    public async Task More_than_1000_strings_are_refused_with_a_problem_and_nothing_is_revoked()
    {
        await using var app = await TestApp.StartAsync();
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("kept"));
        using var anonymous = app.Client();

        var tooMany = Enumerable.Range(0, 1000).Select(_ => TokenFormat.Generate()).Append(token.Secret).ToArray();
        var problem = await Api.AssertProblemAsync(await anonymous.PostAsJsonAsync(Route, new RevokeLeakedRequest(tooMany)), HttpStatusCode.BadRequest);
        Assert.Contains("at most 1000", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var withToken = app.Client(token.Secret);
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/api/v1/whoami")).StatusCode);

        var exactly1000 = await anonymous.PostAsJsonAsync(Route, new RevokeLeakedRequest(tooMany[1..]));
        Assert.Equal(1000, (await Api.ReadAsync<RevokeLeakedResponse>(exactly1000)).Received);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withToken.GetAsync("/api/v1/whoami")).StatusCode);

        await Api.AssertProblemAsync(await anonymous.PostAsJsonAsync(Route, new { }), HttpStatusCode.BadRequest);
        await Api.AssertProblemAsync(await anonymous.PostAsJsonAsync(Route, new RevokeLeakedRequest([new string('x', 300_000)])),
            HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task The_owner_is_told_by_email()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var app = await TestApp.StartAsync(Notify.Settings(smtp.Settings()));
        var member = await app.AddUserAsync("dev@example.test");
        var leaked = await app.CreateTokenAsync(member, new CreateTokenRequest("pushed to a repo"));
        using var anonymous = app.Client();

        (await anonymous.PostAsJsonAsync(Route, new RevokeLeakedRequest([leaked.Secret]))).EnsureSuccessStatusCode();
        Assert.Equal(1, await app.DeliverAsync());

        var mail = Assert.Single(smtp.Received);
        Assert.Equal("dev@example.test", Assert.Single(mail.To));
        Assert.Equal("token.leaked", mail.Message.Headers["X-Latchkey-Kind"]);
        Assert.Contains("reported as leaked", mail.Message.Subject, StringComparison.Ordinal);
        Assert.Contains(leaked.Id, mail.Message.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(leaked.Secret, mail.Message.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reports_are_rate_limited_per_address_apart_from_sign_ins()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:LeakReportsPerMinute"] = "2" });
        using var anonymous = app.Client();
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync(Route, new RevokeLeakedRequest(["x"]))).StatusCode);
        }

        var refused = await anonymous.PostAsJsonAsync(Route, new RevokeLeakedRequest(["x"]));
        var problem = await Api.AssertProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Contains("leak reports", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("60", refused.Headers.RetryAfter?.ToString());
        Assert.NotNull(await app.LoginAsync());
    }

#if POSTGRES
    [Fact]
    public async Task A_token_reported_on_one_replica_fails_on_the_other_through_the_change_feed()
    {
        await using var a = await TestApp.StartAsync();
        await using var b = await a.StartReplicaAsync();
        var leaked = await a.CreateTokenAsync(await a.LoginAsync(), new CreateTokenRequest("pushed to a repo"));
        using var onB = b.Client(leaked.Secret);
        Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/auth/verify")).StatusCode);

        using var anonymous = a.Client();
        (await anonymous.PostAsJsonAsync(Route, new RevokeLeakedRequest([leaked.Secret]))).EnsureSuccessStatusCode();

        await Replicas.ReplicaTests.UntilRefusedAsync(onB);
    }
#endif

    /// <summary>The token with one character of its random part changed: the same shape, a wrong checksum.</summary>
    internal static string OneCharacterChanged(string token)
    {
        var chars = token.ToCharArray();
        chars[10] = chars[10] == 'a' ? 'b' : 'a';
        return new string(chars);
    }
}
