using System.Security.Cryptography.X509Certificates;
using System.Collections.Concurrent;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>
/// Keeps the text of every response (status, headers, body) the tests received. Cookies and
/// redirects are left to the client on top (<see cref="ConsoleClient"/>): one handler serves
/// every client of a test, and one person's console cookie must not travel with another's requests.
/// </summary>
public sealed class RecordingHandler(X509Certificate2? trusted = null) : DelegatingHandler(new SocketsHttpHandler
{
    UseCookies = false,
    AllowAutoRedirect = false,
    // Trust exactly the test server's own certificate, when it has one.
    SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => trusted is not null && presented is not null && trusted.GetCertHashString() == presented.GetCertHashString() },
})
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
