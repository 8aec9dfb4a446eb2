using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Latchkey.Cli.Tests.Infrastructure;

/// <summary>
/// A stand-in Kubernetes API server on loopback that records the Authorization header of every
/// request kubectl sends. It speaks TLS with a certificate made for the test, because kubectl runs
/// exec plugins only for TLS servers.
/// </summary>
internal sealed class FakeKubernetesApi : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly X509Certificate2 certificate;

    private FakeKubernetesApi(WebApplication app, X509Certificate2 certificate)
    {
        this.app = app;
        this.certificate = certificate;
    }

    public ConcurrentQueue<string> Authorizations { get; } = new();

    public Uri Address => new(app.Urls.First());

    /// <summary>The server's own certificate, as kubeconfig <c>certificate-authority-data</c>.</summary>
    public string CaData => PemData(certificate);

    public static async Task<FakeKubernetesApi> StartAsync()
    {
        var certificate = SelfSigned("127.0.0.1");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeKubernetesApi(app, certificate);
        app.Run(async http =>
        {
            fake.Authorizations.Enqueue(http.Request.Headers.Authorization.ToString());
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("""{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[]}""");
        });
        await app.StartAsync();
        return fake;
    }

    /// <summary>A self-signed certificate for <paramref name="address"/> that is its own certificate authority.</summary>
    public static X509Certificate2 SelfSigned(string address)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={address}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Parse(address));
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    public static string PemData(X509Certificate2 certificate) => Convert.ToBase64String(Encoding.ASCII.GetBytes(certificate.ExportCertificatePem()));

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        certificate.Dispose();
    }
}
