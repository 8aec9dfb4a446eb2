using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Audit;
using Latchkey.Server.Tests.ClusterAuth;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Lifecycle;

/// <summary>
/// One token presented at every door, from an address of the test's choosing: the requests come
/// from loopback, a trusted proxy, so X-Forwarded-For names the client.
/// </summary>
internal sealed class Doors(TestApp app, string webhook)
{
    public const string Cluster = "prod-1";

    /// <summary>Registers a cluster (the bootstrap admin, an org admin, may use it).</summary>
    public static async Task<Doors> OpenAsync(TestApp app) => new(app, await app.AddClusterAsync(Cluster));

    public async Task<HttpStatusCode> ApiAsync(string secret, string? from = null)
    {
        using var client = Client(secret, from);
        return (await client.GetAsync("/api/v1/whoami")).StatusCode;
    }

    public async Task<HttpStatusCode> ForwardAuthAsync(string secret, string? from = null)
    {
        using var client = Client(secret, from);
        return (await client.GetAsync("/auth/verify")).StatusCode;
    }

    /// <summary>The review's answer: authenticated, and the error when not.</summary>
    public async Task<(bool Authenticated, string? Error)> TokenReviewAsync(string secret, string? from = null)
    {
        using var client = Client(webhook, from);
        var status = JsonDocument.Parse(await TokenReviewTests.ReviewAsync(client, "v1", TokenReviewTests.Review(secret))).RootElement.GetProperty("status");
        return (status.GetProperty("authenticated").GetBoolean(), status.TryGetProperty("error", out var error) ? error.GetString() : null);
    }

    public async Task<HttpResponseMessage> CredentialAsync(string secret, string? from = null)
    {
        using var client = Client(secret, from);
        return await client.PostAsync($"/api/v1/clusters/{Cluster}/credentials", null);
    }

    public async Task<HttpResponseMessage> KubeconfigAsync(string secret, string? from = null)
    {
        using var client = Client(secret, from);
        return await client.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("with kubeconfig", Kubeconfig: new KubeconfigRequest(Cluster)));
    }

    /// <summary>The token works at the API, TokenReview and forward-auth doors (or at none of them).</summary>
    public async Task AssertEverywhereAsync(string secret, bool works, string? from = null)
    {
        var expected = works ? HttpStatusCode.OK : HttpStatusCode.Unauthorized;
        Assert.Equal(expected, await ApiAsync(secret, from));
        Assert.Equal(works, (await TokenReviewAsync(secret, from)).Authenticated);
        Assert.Equal(expected, await ForwardAuthAsync(secret, from));
    }

    /// <summary>Background audit events written, so that the test can read them from the store.</summary>
    public static Task FlushAuditAsync(TestApp app) => app.Services.GetRequiredService<AuditLog>().FlushAsync();

    private HttpClient Client(string secret, string? from)
    {
        var client = app.Client(secret);
        if (from is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-For", from);
        }

        return client;
    }
}
