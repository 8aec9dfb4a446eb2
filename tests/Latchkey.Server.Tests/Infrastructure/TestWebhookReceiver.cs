using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Latchkey.Server.Tests.Infrastructure;

public sealed record ReceivedWebhook(string? Signature, string? ContentType, byte[] Body);

/// <summary>
/// A webhook receiver on a loopback port (Kestrel): keeps every request and answers each with the
/// next status of <see cref="Statuses"/>, or 204 when none is queued.
/// </summary>
public sealed class TestWebhookReceiver : IAsyncDisposable
{
    public const string Secret = "webhook-secret-of-the-test";

    private readonly WebApplication app;

    private TestWebhookReceiver(WebApplication app) => this.app = app;

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    public ConcurrentQueue<HttpStatusCode> Statuses { get; } = new();

    /// <summary>Answers every request with this once <see cref="Statuses"/> is empty.</summary>
    public HttpStatusCode Otherwise { get; set; } = HttpStatusCode.NoContent;

    public Uri Url => new(new Uri(app.Urls.First()), "/hooks/latchkey");

    public static async Task<TestWebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new TestWebhookReceiver(app);
        app.MapPost("/hooks/latchkey", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            receiver.Received.Enqueue(new ReceivedWebhook(http.Request.Headers["Latchkey-Signature"].ToString(), http.Request.ContentType, body.ToArray()));
            return Results.StatusCode((int)(receiver.Statuses.TryDequeue(out var status) ? status : receiver.Otherwise));
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Settings that make a Latchkey server post its notices here.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["Latchkey:Notifications:Webhook:Url"] = Url.ToString(),
        ["Latchkey:Notifications:Webhook:Secret"] = Secret,
    };

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
