using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Latchkey.Core.Contracts;
using Latchkey.Core.Tokens;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.ForwardAuth;

/// <summary>Debian's nginx, with the example from deploy/nginx, in front of a static metrics file.</summary>
public class NginxTests
{
    [Fact]
    public async Task Nginx_auth_request_lets_in_only_tokens_with_metrics_read_and_shuts_out_a_deleted_one_at_once()
    {
        var nginx = Requires.Program("nginx");
        await using var app = await TestApp.StartAsync();
        await app.AddUserAsync("prometheus@example.test");
        await app.AddUserAsync("someone@example.test");
        await app.GrantAsync("prometheus@example.test", Roles.MetricsReader);
        var scraper = await app.CreateTokenAsync(await app.LoginAsync("prometheus@example.test", "pw-prometheus@example.test"), new CreateTokenRequest("scraper"));
        var other = await app.CreateTokenAsync(await app.LoginAsync("someone@example.test", "pw-someone@example.test"), new CreateTokenRequest("no metrics"));

        await using var proxy = await NginxProxy.StartAsync(nginx, app.BaseAddress);
        using var http = new HttpClient { BaseAddress = proxy.BaseAddress };
        async Task<HttpResponseMessage> Scrape(string? token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            return await http.SendAsync(request);
        }

        var none = await Scrape(null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Contains("Bearer", none.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Scrape(TokenFormat.Generate())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Scrape(other.Secret)).StatusCode);

        var ok = await Scrape(scraper.Secret);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(NginxProxy.MetricsBody, await ok.Content.ReadAsStringAsync());
        Assert.Equal("prometheus@example.test", ok.Headers.GetValues("X-Latchkey-User").Single());

        using (var owner = app.Client(scraper.Secret))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/v1/tokens/{scraper.Id}")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await Scrape(scraper.Secret)).StatusCode);
    }

    private sealed class NginxProxy : IAsyncDisposable
    {
        public const string MetricsBody = "# HELP up Whether the target is up.\n# TYPE up gauge\nup 1\n";

        private readonly Process process;
        private readonly string folder;

        private NginxProxy(Process process, string folder, Uri baseAddress)
        {
            this.process = process;
            this.folder = folder;
            BaseAddress = baseAddress;
        }

        public Uri BaseAddress { get; }

        public static async Task<NginxProxy> StartAsync(string nginx, Uri latchkey)
        {
            var folder = Directory.CreateTempSubdirectory("latchkey-nginx-").FullName;
            var www = Directory.CreateDirectory(Path.Combine(folder, "www")).FullName;
            await File.WriteAllTextAsync(Path.Combine(www, "metrics"), MetricsBody);
            var port = FreePort.Next();
            var example = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Assets", "latchkey-metrics.conf"));
            var server = example
                .Replace("listen 127.0.0.1:9100;", $"listen 127.0.0.1:{port};", StringComparison.Ordinal)
                .Replace("http://127.0.0.1:8080/", latchkey.ToString(), StringComparison.Ordinal)
                .Replace("root /var/lib/node_exporter/textfile;", $"root {www};", StringComparison.Ordinal);
            Assert.Contains(www, server, StringComparison.Ordinal);
            var config = Path.Combine(folder, "nginx.conf");
            await File.WriteAllTextAsync(config, $$"""
                worker_processes 1;
                daemon off;
                user root;
                pid {{folder}}/nginx.pid;
                error_log {{folder}}/error.log warn;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path {{folder}}/client;
                    proxy_temp_path {{folder}}/proxy;
                    fastcgi_temp_path {{folder}}/fastcgi;
                    uwsgi_temp_path {{folder}}/uwsgi;
                    scgi_temp_path {{folder}}/scgi;
                    {{server}}
                }
                """);

            var process = Process.Start(new ProcessStartInfo(nginx, ["-c", config, "-p", folder, "-e", Path.Combine(folder, "error.log")])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            var proxy = new NginxProxy(process, folder, new Uri($"http://127.0.0.1:{port}"));
            using var probe = new HttpClient { BaseAddress = proxy.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await probe.GetAsync("/metrics");
                    return proxy;
                }
                catch (HttpRequestException) when (attempt < 100 && !process.HasExited)
                {
                    await Task.Delay(50);
                }
                catch (HttpRequestException)
                {
                    var log = File.Exists(Path.Combine(folder, "error.log")) ? await File.ReadAllTextAsync(Path.Combine(folder, "error.log")) : "";
                    await proxy.DisposeAsync();
                    throw new InvalidOperationException($"nginx did not start: {log}");
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                // The whole tree: killing only the master would leave its worker running.
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }
}
