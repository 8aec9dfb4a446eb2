#if POSTGRES
using System.Diagnostics;
using System.Net;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Replicas;

/// <summary>
/// Two server processes on one PostgreSQL. Their clocks are frozen, so a verification cache entry
/// never expires here: when a replica stops accepting a token, the change feed told it.
/// </summary>
public class ReplicaTests
{
    [Fact]
    public async Task A_token_made_on_one_replica_works_on_the_other_and_its_revocation_reaches_the_first_through_the_feed()
    {
        await using var a = await TestApp.StartAsync();
        await using var b = await a.StartReplicaAsync();
        var admin = await a.LoginAsync();
        var worst = TimeSpan.Zero;

        for (var trial = 0; trial < 100; trial++)
        {
            var token = await a.CreateTokenAsync(admin, new CreateTokenRequest($"trial {trial}"));
            using var onA = a.Client(token.Secret);
            using var onB = b.Client(token.Secret);
            Assert.Equal(HttpStatusCode.OK, (await onA.GetAsync("/auth/verify")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/auth/verify")).StatusCode);

            var revoked = Stopwatch.StartNew();
            Assert.Equal(HttpStatusCode.NoContent, (await onB.DeleteAsync($"/api/v1/tokens/{token.Id}")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await onB.GetAsync("/auth/verify")).StatusCode);
            await UntilRefusedAsync(onA);
            worst = revoked.Elapsed > worst ? revoked.Elapsed : worst;
        }

        Report($"worst revocation delay to the other replica over 100 trials: {worst.TotalMilliseconds:0.0} ms");
    }

    [Fact]
    public async Task Disabling_a_user_on_one_replica_stops_their_tokens_on_the_other()
    {
        await using var a = await TestApp.StartAsync();
        await using var b = await a.StartReplicaAsync();
        var member = await a.AddUserAsync("m@example.test");
        using var onA = a.Client(member);
        Assert.Equal(HttpStatusCode.OK, (await onA.GetAsync("/auth/verify")).StatusCode);

        var userId = await b.WithStoreAsync(async db =>
        {
            var user = db.Users.Single(u => u.Email == "m@example.test");
            user.IsActive = false;
            await db.SaveChangesAsync();
            return user.Id;
        });
        await b.Services.GetRequiredService<Server.Data.ChangeFeed>().UserChangedAsync(userId);

        await UntilRefusedAsync(onA);
    }

    /// <summary>Polls until the token is refused; real time, bounded, and only reported, never asserted on.</summary>
    internal static async Task<TimeSpan> UntilRefusedAsync(HttpClient client)
    {
        var clock = Stopwatch.StartNew();
        Assert.True(await UntilAsync(client, status => status == HttpStatusCode.Unauthorized) == HttpStatusCode.Unauthorized,
            "the other replica still accepts the token 30 s after its revocation");
        return clock.Elapsed;
    }

    /// <summary>Asks forward-auth until its answer is one wanted, for at most 30 s; returns the last answer.</summary>
    internal static async Task<HttpStatusCode> UntilAsync(HttpClient client, Func<HttpStatusCode, bool> wanted)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = (await client.GetAsync("/auth/verify")).StatusCode;
            if (wanted(status) || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                return status;
            }

            await Task.Delay(5);
        }
    }

    internal static void Report(string line)
    {
        TestContext.Current.SendDiagnosticMessage(line);
        File.AppendAllText(Path.Combine(AppContext.BaseDirectory, "replica-figures.txt"), $"{DateTimeOffset.UtcNow:O} {line}\n");
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PostgresRestarts
{
    public const string Name = "PostgreSQL restarts";
}

[Collection(PostgresRestarts.Name)]
public class ChangeFeedRestartTests
{
    [Fact]
    public async Task After_a_PostgreSQL_restart_the_feed_reconnects_and_revocations_still_reach_the_other_replica()
    {
        await using var a = await TestApp.StartAsync();
        await using var b = await a.StartReplicaAsync();
        var admin = await a.LoginAsync();
        var token = await a.CreateTokenAsync(admin, new CreateTokenRequest("across a restart"));
        using var onA = a.Client(token.Secret);
        using var onB = b.Client(token.Secret);
        Assert.Equal(HttpStatusCode.OK, (await onA.GetAsync("/auth/verify")).StatusCode);

        await (await PostgresServer.GetAsync()).RestartAsync();

        // The first calls after a restart may meet broken pooled connections (503): keep asking.
        var clock = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            status = (await onB.DeleteAsync($"/api/v1/tokens/{token.Id}")).StatusCode;
        }
        while (status != HttpStatusCode.NoContent && clock.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.NoContent, status);

        ReplicaTests.Report($"revocation after a PostgreSQL restart reached the other replica in {(await ReplicaTests.UntilRefusedAsync(onA)).TotalMilliseconds:0.0} ms");
    }
}
#endif
