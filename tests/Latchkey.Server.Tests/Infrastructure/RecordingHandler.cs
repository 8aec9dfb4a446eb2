using System.Collections.Concurrent;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>Keeps the text of every response (status, headers, body) the tests received.</summary>
public sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentQueue<string> responses = new();

    public IReadOnlyCollection<string> Responses => responses;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        // The response only: a request URL may hold a secret on purpose (tests of careless clients).
        responses.Enqueue($"{(int)response.StatusCode}\n{response.Headers}{response.Content.Headers}\n{body}");
        return response;
    }
}
