using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Latchkey.Cli;

/// <summary>The server refused a request; <see cref="Status"/> says how.</summary>
internal sealed class ApiException(string message, HttpStatusCode status) : CliException(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>
/// The Latchkey REST API over HttpClient. Every failure becomes one sentence: the server's own
/// problem+json detail, or what went wrong on the way (refused, unknown host, no answer). The
/// token travels in the Authorization header only, never in a URL.
/// </summary>
internal sealed class ApiClient : IDisposable
{
    public static readonly string Version = typeof(ApiClient).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private readonly HttpClient http;

    public ApiClient(Uri server, string? token, string? tokenId = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        Server = server;
        TokenId = tokenId;
        var baseAddress = server.AbsoluteUri.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/");
        http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) })
        {
            BaseAddress = baseAddress,
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("latchkey-cli", Version));
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public Uri Server { get; }

    /// <summary>The id of the token this client signs in with, where known (not for LATCHKEY_TOKEN).</summary>
    public string? TokenId { get; }

    public static string Segment(string value) => Uri.EscapeDataString(value);

    public async Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
        return await ReadAsync(response, type, cancellationToken);
    }

    public async Task<string> GetTextAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    public async Task<TResponse> PostAsync<TRequest, TResponse>(
        string path, TRequest body, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(JsonSerializer.Serialize(body, requestType), Encoding.UTF8, "application/json"),
        };
        using var response = await SendAsync(request, cancellationToken);
        return await ReadAsync(response, responseType, cancellationToken);
    }

    public async Task<TResponse> PostAsync<TResponse>(string path, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, path), cancellationToken);
        return await ReadAsync(response, responseType, cancellationToken);
    }

    public async Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, path), cancellationToken);
    }

    /// <summary>A PUT without a body, such as adding a member to a group.</summary>
    public async Task PutAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Put, path), cancellationToken);
    }

    public void Dispose() => http.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw new CliException($"Cannot reach the Latchkey server at {Server}: {Describe(e)}.");
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CliException($"The Latchkey server at {Server} did not answer within {http.Timeout.TotalSeconds:0} seconds.");
            }

            if (!response.IsSuccessStatusCode)
            {
                using (response)
                {
                    throw await FailureAsync(response, cancellationToken);
                }
            }

            return response;
        }
    }

    private async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(type, cancellationToken)
                ?? throw new CliException($"The server at {Server} sent an empty answer.");
        }
        catch (JsonException)
        {
            throw new CliException($"The server at {Server} answered with something that is not the Latchkey API. Is the address right?");
        }
    }

    private async Task<ApiException> FailureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        ProblemBody? problem = null;
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            try
            {
                problem = await response.Content.ReadFromJsonAsync(CliJson.Default.ProblemBody, cancellationToken);
            }
            catch (JsonException)
            {
                // Not a problem body after all; described by its status below.
            }
        }

        var detail = problem?.Detail ?? problem?.Title;
        if (detail is null)
        {
            return new ApiException(
                $"The server at {Server} answered HTTP {(int)status} {response.ReasonPhrase} without saying why. Is the address right?", status);
        }

        // A refused sign-in says so itself; elsewhere a 401 means the stored token no longer works.
        var hint = status == HttpStatusCode.Unauthorized && response.RequestMessage?.RequestUri?.AbsolutePath.EndsWith("/login", StringComparison.Ordinal) != true
            ? " Sign in again with 'latchkey login'."
            : "";
        return new ApiException(detail + hint, status);
    }

    private static string Describe(HttpRequestException e) => e.InnerException switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => "connection refused (is it running, and is the address right?)",
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData } => "no such host",
        SocketException { SocketErrorCode: SocketError.TimedOut } => "the connection timed out",
        System.Security.Authentication.AuthenticationException => "its TLS certificate is not trusted",
        _ => e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "no such host",
            HttpRequestError.ConnectionError => "the connection failed",
            HttpRequestError.SecureConnectionError => "the TLS connection failed",
            _ => e.Message.TrimEnd('.'),
        },
    };
}
