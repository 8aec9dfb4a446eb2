using System.Net;
using System.Text.RegularExpressions;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>
/// The console as a browser without script would use it, over plain HTTP: its own cookie jar,
/// redirects followed, and forms sent with the antiforgery token of the page they are on. Every
/// response still passes through the app's <see cref="RecordingHandler"/>.
/// </summary>
public sealed partial class ConsoleClient : IDisposable
{
    private readonly HttpClient http;

    public ConsoleClient(TestApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // The jar is not disposed: disposing it would dispose the app's shared recording handler.
        http = new HttpClient(new CookieJar(Cookies) { InnerHandler = app.Traffic }, disposeHandler: false) { BaseAddress = app.BaseAddress };
    }

    public CookieContainer Cookies { get; } = new();

    /// <summary>The last page's answer after redirects, and its body.</summary>
    public HttpResponseMessage? Last { get; private set; }

    public string Html { get; private set; } = "";

    public Uri? Location => Last?.RequestMessage?.RequestUri;

    public static async Task<ConsoleClient> SignInAsync(TestApp app, string email = TestApp.AdminEmail, string password = TestApp.AdminPassword)
    {
        var client = new ConsoleClient(app);
        await client.SubmitAsync("/signin", new() { ["email"] = email, ["password"] = password });
        Assert.True(client.Location?.AbsolutePath == "/tokens", $"sign-in did not reach /tokens: {(int)client.Last!.StatusCode} {client.Location}");
        return client;
    }

    public async Task<HttpResponseMessage> GetAsync(string path)
    {
        await SendAsync(new HttpRequestMessage(HttpMethod.Get, path));
        return Last!;
    }

    /// <summary>
    /// Opens <paramref name="page"/> and posts to it (or to <paramref name="action"/>) as its form would: the page's
    /// hidden fields (antiforgery token, nonce) and these.
    /// </summary>
    public async Task<HttpResponseMessage> SubmitAsync(string page, Dictionary<string, string> fields, string? action = null)
    {
        ArgumentNullException.ThrowIfNull(fields);
        await GetAsync(page);
        var form = HiddenInput().Matches(Html)
            .Select(input => (Name: Attribute(input.Value, "name"), Value: Attribute(input.Value, "value")))
            .Where(f => f.Name is not null)
            .DistinctBy(f => f.Name)
            .ToDictionary(f => f.Name!, f => f.Value ?? "");
        foreach (var (name, value) in fields)
        {
            form[name] = value;
        }

        return await PostAsync(action ?? page, form);
    }

    /// <summary>Posts exactly these fields: a test of what the server does with what a form sends, or leaves out.</summary>
    public async Task<HttpResponseMessage> PostAsync(string action, Dictionary<string, string> fields)
    {
        await SendAsync(new HttpRequestMessage(HttpMethod.Post, action) { Content = new FormUrlEncodedContent(fields) });
        return Last!;
    }

    public string AntiforgeryToken() => Field("__RequestVerificationToken");

    /// <summary>The value of a (hidden) input on the current page.</summary>
    public string Field(string name)
    {
        var match = Regex.Match(Html, $"name=\"{Regex.Escape(name)}\"[^>]*value=\"([^\"]*)\"", RegexOptions.IgnoreCase);
        Assert.True(match.Success, $"no field '{name}' on {Location}:\n{Html}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    private static string? Attribute(string tag, string name) =>
        Regex.Match(tag, $"\\s{name}=\"([^\"]*)\"") is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    [GeneratedRegex("<input[^>]*type=\"hidden\"[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex HiddenInput();

    private async Task SendAsync(HttpRequestMessage request)
    {
        for (var hops = 0; ; hops++)
        {
            Last?.Dispose();
            Last = await http.SendAsync(request);
            Html = await Last.Content.ReadAsStringAsync();
            if (Last.StatusCode is not (HttpStatusCode.Redirect or HttpStatusCode.SeeOther or HttpStatusCode.RedirectKeepVerb or HttpStatusCode.Moved) || hops == 5)
            {
                return;
            }

            request = new HttpRequestMessage(HttpMethod.Get, new Uri(request.RequestUri!.IsAbsoluteUri ? request.RequestUri : new Uri(http.BaseAddress!, request.RequestUri), Last.Headers.Location!));
        }
    }

    public void Dispose()
    {
        Last?.Dispose();
        http.Dispose();
    }

    private sealed class CookieJar(CookieContainer cookies) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            if (cookies.GetCookieHeader(uri) is { Length: > 0 } header)
            {
                request.Headers.Add("Cookie", header);
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var set))
            {
                foreach (var cookie in set)
                {
                    cookies.SetCookies(uri, cookie);
                }
            }

            return response;
        }
    }
}
