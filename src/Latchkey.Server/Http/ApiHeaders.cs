using System.Diagnostics;

namespace Latchkey.Server.Http;

internal static class ApiHeaders
{
    /// <summary>
    /// API answers are never cached anywhere (one of them carries a secret, and lists go stale),
    /// and every request gets a debug log line without its query string.
    /// </summary>
    public static IApplicationBuilder UseApiHeaders(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Latchkey.Server.Requests");
        return app.Use(async (http, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            http.Response.OnStarting(static state =>
            {
                var response = ((HttpContext)state).Response;
                response.Headers.CacheControl = "no-store";
                response.Headers.XContentTypeOptions = "nosniff";
                return Task.CompletedTask;
            }, http);

            await next(http).ConfigureAwait(false);

            if (logger.IsEnabled(LogLevel.Debug))
            {
                Log.RequestFinished(logger, http.Request.Method, http.Request.Path, http.Response.StatusCode,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
    }
}
