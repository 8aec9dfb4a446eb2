#if POSTGRES
using System.Diagnostics;
using System.Net;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Latchkey.Server.Tests.Replicas;

/// <summary>
/// The change log is written by the store, in the transaction that makes the change: a change made
/// by any path reaches every replica, and a replica that cannot read the log stops answering from
/// its caches once the revocation bound has passed (503), never answering a stale 200.
/// The replicas' clocks are frozen, so no cache entry expires on its own here.
/// </summary>
public class ChangeLogTests
{
    [Fact]
    public async Task A_revocation_or_a_disable_written_straight_into_the_store_reaches_every_replica()
    {
        await using var a = await TestApp.StartAsync();
        await using var b = await a.StartReplicaAsync();
        var admin = await a.LoginAsync();
        var token = await a.CreateTokenAsync(admin, new CreateTokenRequest("revoked by hand"));
        var member = await a.AddUserAsync("m@example.test");
        using var tokenOnA = a.Client(token.Secret);
        using var tokenOnB = b.Client(token.Secret);
        using var memberOnA = a.Client(member);
        using var memberOnB = b.Client(member);
        foreach (var client in new[] { tokenOnA, tokenOnB, memberOnA, memberOnB })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/verify")).StatusCode);
        }

        // No application code runs: what tells the replicas is the store itself.
        await a.WithStoreAsync(db => db.Database.ExecuteSqlAsync($"""UPDATE "AccessTokens" SET "RevokedAt" = now() WHERE "Id" = {token.Id}"""));
        await a.WithStoreAsync(db => db.Database.ExecuteSqlAsync($"""UPDATE "Users" SET "IsActive" = false WHERE "Email" = 'm@example.test'"""));

        foreach (var client in new[] { tokenOnA, tokenOnB, memberOnA, memberOnB })
        {
            ReplicaTests.Report($"a change written straight into the store stopped a cached token in {(await ReplicaTests.UntilRefusedAsync(client)).TotalMilliseconds:0.0} ms");
        }
    }

    [Fact]
    public async Task A_replica_whose_database_stalls_never_answers_a_revoked_token_once_the_bound_has_passed_and_catches_up_after()
    {
        await using var a = await TestApp.StartAsync();
        var store = new NpgsqlConnectionStringBuilder(a.ConnectionString);
        await using var network = new TcpProxy(store.Port);
        // Short store timeouts, so that each request of the stalled replica ends (in a 503) within seconds.
        store.Port = network.Port;
        store.Timeout = 2;
        store.CommandTimeout = 2;
        var bound = TimeSpan.FromSeconds(1);
        await using var b = await a.StartReplicaAsync(new()
        {
            ["Latchkey:Database:ConnectionString"] = store.ConnectionString,
            ["Latchkey:RevocationBound"] = bound.ToString(),
        });
        var admin = await a.LoginAsync();
        var trials = int.TryParse(Environment.GetEnvironmentVariable("LATCHKEY_STALL_TRIALS"), out var n) ? n : 5;
        var worst = TimeSpan.Zero;
        var answers = new Dictionary<HttpStatusCode, int>();

        for (var trial = 0; trial < trials; trial++)
        {
            var token = await a.CreateTokenAsync(admin, new CreateTokenRequest($"stall {trial}"));
            using var onB = b.Client(token.Secret);
            Assert.Equal(HttpStatusCode.OK, await ReplicaTests.UntilAsync(onB, s => s == HttpStatusCode.OK));

            network.Stall();
            using var revoke = a.Client(admin);
            Assert.Equal(HttpStatusCode.NoContent, (await revoke.DeleteAsync($"/api/v1/tokens/{token.Id}")).StatusCode);
            var revoked = Stopwatch.StartNew();

            // Until the bound has passed, the replica may still answer from its cache (200) or already refuse (503).
            var lastAccepted = TimeSpan.Zero;
            while (revoked.Elapsed < bound)
            {
                var sentAt = revoked.Elapsed;
                var status = (await onB.GetAsync("/auth/verify")).StatusCode;
                answers[status] = answers.GetValueOrDefault(status) + 1;
                Assert.Contains(status, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable });
                lastAccepted = status == HttpStatusCode.OK ? sentAt : lastAccepted;
            }

            // Once it has passed (and a second more, for the request in flight at that moment), never from the cache again.
            await Task.Delay(TimeSpan.FromSeconds(1));
            for (var probe = 0; probe < 3; probe++)
            {
                var status = (await onB.GetAsync("/auth/verify")).StatusCode;
                answers[status] = answers.GetValueOrDefault(status) + 1;
                Assert.True(status == HttpStatusCode.ServiceUnavailable, $"trial {trial}: the stalled replica answered {(int)status} for the revoked token after the bound");
            }

            worst = lastAccepted > worst ? lastAccepted : worst;
            network.Resume();
            // Back in touch, the replica applies the revocation it missed rather than serving its cache.
            Assert.Equal(HttpStatusCode.Unauthorized, await ReplicaTests.UntilAsync(onB, s => s != HttpStatusCode.ServiceUnavailable));
        }

        ReplicaTests.Report($"stalled replica, {trials} trials: the revoked token was last accepted {worst.TotalMilliseconds:0} ms after its revocation (bound {bound.TotalMilliseconds:0} ms); answers {string.Join(", ", answers.Select(x => $"{(int)x.Key}: {x.Value}"))}");
    }
}
#endif
