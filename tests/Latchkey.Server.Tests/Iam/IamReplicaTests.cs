#if POSTGRES
using System.Diagnostics;
using System.Net;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Iam;

/// <summary>
/// Two replicas on one PostgreSQL with a frozen clock, so no policy cache entry ever expires: when
/// the other replica changes its answer, the change feed told it.
/// </summary>
public class IamReplicaTests
{
    [Fact]
    public async Task A_membership_change_and_a_revoked_policy_on_one_replica_reach_the_other_through_the_feed()
    {
        await using var a = await TestApp.StartAsync();
        await using var b = await a.StartReplicaAsync();
        using var adminOnB = b.Client(await b.LoginAsync());
        var devToken = await a.AddUserAsync("dev@example.test");
        var dev = await a.UserIdAsync("dev@example.test");
        var scrapers = await adminOnB.CreateGroupAsync("scrapers");
        await adminOnB.GrantAsync("group", scrapers.Id, Roles.MetricsReader);
        var direct = Assert.Single(await adminOnB.GrantAsync("user", dev, Roles.LogsReader));
        using var onA = a.Client(devToken);
        // A has cached that dev holds nothing through the group.
        Assert.Equal(HttpStatusCode.Forbidden, (await onA.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);

        await adminOnB.AddMemberAsync(scrapers.Id, dev);
        await UntilAsync(onA, "/auth/verify?scope=metrics:read", HttpStatusCode.OK);

        await adminOnB.DeleteAsync($"/api/v1/groups/{scrapers.Id}/members/{dev}");
        await UntilAsync(onA, "/auth/verify?scope=metrics:read", HttpStatusCode.Forbidden);

        Assert.Equal(HttpStatusCode.OK, (await onA.GetAsync("/auth/verify?scope=logs:read")).StatusCode);
        await adminOnB.DeleteAsync($"/api/v1/policies/{direct.Id}");
        await UntilAsync(onA, "/auth/verify?scope=logs:read", HttpStatusCode.Forbidden);
    }

    /// <summary>Polls until the answer is <paramref name="expected"/>; real time, bounded, never asserted on.</summary>
    private static async Task UntilAsync(HttpClient client, string path, HttpStatusCode expected)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if ((await client.GetAsync(path)).StatusCode == expected)
            {
                return;
            }

            await Task.Delay(5);
        }

        Assert.Fail($"the other replica did not answer {(int)expected} for {path} within 30 s of the change");
    }
}
#endif
