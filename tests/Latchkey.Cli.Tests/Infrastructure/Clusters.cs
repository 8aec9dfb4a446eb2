using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Infrastructure;

internal static class Clusters
{
    /// <summary>Registers a cluster as the admin (the CLI has no command for it: that is an admin's console task).</summary>
    public static async Task AddAsync(TestApp app, string name, string? server = null, string? ca = null)
    {
        using var admin = app.Client(await app.LoginAsync());
        var response = await admin.PostAsJsonAsync("/api/v1/clusters",
            new CreateClusterRequest(name, server ?? $"https://{name}.k8s.eu-1.example.test:6443", ca, "eu-1", "team-a"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    public static Task<int> TokenCountAsync(TestApp app) => app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Count()));
}
