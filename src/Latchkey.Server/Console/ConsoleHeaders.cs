namespace Latchkey.Server.Console;

internal static class ConsoleHeaders
{
    /// <summary>
    /// Scripts and styles only from our own files (no inline script, so injected markup cannot run),
    /// no framing (clickjacking), forms post only to us, and no Referer (a URL never travels on).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    /// <summary>Sent with every response of the server, not only the console's: it costs nothing and leaves no page without it.</summary>
    public static IApplicationBuilder UseConsoleHeaders(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        http.Response.OnStarting(static state =>
        {
            var headers = ((HttpContext)state).Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            return Task.CompletedTask;
        }, http);
        return next(http);
    });
}
