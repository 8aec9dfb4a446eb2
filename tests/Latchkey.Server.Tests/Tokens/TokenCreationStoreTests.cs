using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Tokens;

/// <summary>
/// What a creation asks of the store: the token and its audit event in one command (on PostgreSQL
/// that one batch is also the transaction), and no read of the organization's policy while it is
/// cached, yet a policy change applies to the very next creation.
/// </summary>
public class TokenCreationStoreTests
{
    [Fact]
    public async Task A_creation_sends_one_command_with_the_token_and_its_audit_event_and_reads_nothing_first()
    {
        await using var app = await TestApp.StartAsync();
        var adminToken = await app.LoginAsync();
        using var admin = app.Client(adminToken);
        await app.CreateTokenAsync(adminToken, new CreateTokenRequest("warm-up"));
        var mark = app.Queries.Texts.Count;

        var created = await app.CreateTokenAsync(adminToken, new CreateTokenRequest("second"));

        // Background jobs may talk to the store meanwhile; the creation's own commands are the ones naming its tables.
        var sent = app.Queries.Texts.Skip(mark).Where(t => t.Contains("\"AccessTokens\"", StringComparison.Ordinal)
            || t.Contains("\"AuditEvents\"", StringComparison.Ordinal) || t.Contains("\"Organizations\"", StringComparison.Ordinal)
            || t.Contains("\"Users\"", StringComparison.Ordinal)).ToList();
        Assert.All(sent, t => Assert.StartsWith("INSERT INTO", t.TrimStart(), StringComparison.Ordinal));
#if POSTGRES
        // One batch, so one implicit transaction: the token never exists without its audit event.
        var write = Assert.Single(sent);
        Assert.Contains("INSERT INTO \"AccessTokens\"", write, StringComparison.Ordinal);
        Assert.Contains("INSERT INTO \"AuditEvents\"", write, StringComparison.Ordinal);
#else
        // SQLite sends them one by one inside the transaction EF Core opens.
        Assert.Equal(2, sent.Count);
#endif
        using var client = app.Client(created.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        var audit = await Api.ReadAsync<Page<AuditEventInfo>>(await admin.GetAsync("/api/v1/audit?action=token.create"));
        Assert.Contains(audit.Items, e => e.TargetId == created.Id);
    }

    [Fact]
    public async Task A_token_policy_change_applies_to_the_next_creation()
    {
        await using var app = await TestApp.StartAsync();
        var adminToken = await app.LoginAsync();
        using var admin = app.Client(adminToken);
        await app.CreateTokenAsync(adminToken, new CreateTokenRequest("cached", ExpiresInDays: 60));

        await Api.ReadAsync<TokenPolicyInfo>(await admin.PutAsJsonAsync("/api/v1/organization/token-policy", new UpdateTokenPolicyRequest(30)));
        var refused = await Api.AssertProblemAsync(
            await admin.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("too long", ExpiresInDays: 60)), HttpStatusCode.BadRequest);
        Assert.Contains("30", refused.GetProperty("detail").GetString()!, StringComparison.Ordinal);

        await Api.ReadAsync<TokenPolicyInfo>(await admin.PutAsJsonAsync("/api/v1/organization/token-policy", new UpdateTokenPolicyRequest(90)));
        await app.CreateTokenAsync(adminToken, new CreateTokenRequest("allowed again", ExpiresInDays: 60));
    }

#if POSTGRES
    [Fact]
    public async Task When_the_audit_event_cannot_be_written_the_token_is_not_written_either()
    {
        await using var app = await TestApp.StartAsync();
        var adminToken = await app.LoginAsync();
        using var admin = app.Client(adminToken);
        await app.CreateTokenAsync(adminToken, new CreateTokenRequest("warm-up"));

        // The second statement of the batch fails at the database; the first must go with it.
        app.Queries.Rewrite = text => text.Replace("INSERT INTO \"AuditEvents\"", "INSERT INTO \"NoSuchTable\"", StringComparison.Ordinal);
        var response = await admin.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("half-written"));
        app.Queries.Rewrite = null;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var mine = await Api.ReadAsync<Page<TokenInfo>>(await admin.GetAsync("/api/v1/tokens?limit=200"));
        Assert.DoesNotContain(mine.Items, t => t.Name == "half-written");
        Assert.Contains(mine.Items, t => t.Name == "warm-up");
    }

    [Fact]
    public async Task A_token_policy_change_on_one_replica_applies_to_the_next_creation_on_the_other()
    {
        // The clock is frozen: the cached policy never expires, so only the change feed can carry the change.
        await using var a = await TestApp.StartAsync();
        await using var b = await a.StartReplicaAsync();
        var adminOnA = await a.LoginAsync();
        using var onA = a.Client(adminOnA);
        using var onB = b.Client(await b.LoginAsync());
        await a.CreateTokenAsync(adminOnA, new CreateTokenRequest("cached", ExpiresInDays: 60));

        await Api.ReadAsync<TokenPolicyInfo>(await onB.PutAsJsonAsync("/api/v1/organization/token-policy", new UpdateTokenPolicyRequest(30)));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await onA.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("probe", ExpiresInDays: 60))).StatusCode != HttpStatusCode.BadRequest)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the other replica still created tokens beyond the new policy 30 s after the change");
            await Task.Delay(5);
        }
    }
#endif
}
