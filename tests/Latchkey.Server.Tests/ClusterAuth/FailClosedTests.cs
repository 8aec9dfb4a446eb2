using System.Net;
using System.Text;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.ClusterAuth;

public class FailClosedTests
{
    [Fact]
    public async Task With_the_store_gone_every_door_answers_503_never_200_and_recovers_on_its_own()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:WriteBehindInterval"] = "01:00:00" });
        var webhook = await app.AddClusterAsync("prod-1");
        await app.AddUserAsync("dev@example.test");
        await app.GrantAsync("dev@example.test", Roles.ClusterAdmin, "prod-1");
        await app.GrantAsync("dev@example.test", Roles.MetricsReader);
        var fresh = await app.CreateTokenAsync(await app.LoginAsync("dev@example.test", "pw-dev@example.test"), new CreateTokenRequest("not used yet"));
        using var cluster = app.Client(webhook);
        using var user = app.Client(fresh.Secret);
        // The webhook credential is now known (cached); the user's token has never been seen.
        Assert.Equal(HttpStatusCode.OK, (await Review(cluster, "lk_notatoken")).StatusCode);

        await app.TakeStoreAwayAsync();
        try
        {
            var review = await Review(cluster, fresh.Secret);
            await Api.AssertProblemAsync(review, HttpStatusCode.ServiceUnavailable);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await user.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
            var whoami = await Api.AssertProblemAsync(await user.GetAsync("/api/v1/whoami"), HttpStatusCode.ServiceUnavailable);
            Assert.Contains("the database is unreachable", whoami.GetProperty("detail").GetString(), StringComparison.Ordinal);
            using var probe = app.Client();
            var ready = await probe.GetAsync("/readyz");
            Assert.NotNull(ready.Headers.RetryAfter);
            Assert.Contains("the database is unreachable", (await Api.AssertProblemAsync(ready, HttpStatusCode.ServiceUnavailable)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await app.BringStoreBackAsync();
        }

        var recovered = await Review(cluster, fresh.Secret);
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.Contains("\"authenticated\":true", await recovered.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
    }

    private static Task<HttpResponseMessage> Review(HttpClient client, string token) =>
        client.PostAsync("/apis/authentication.k8s.io/v1/tokenreviews", new StringContent(TokenReviewTests.Review(token), Encoding.UTF8, "application/json"));
}
