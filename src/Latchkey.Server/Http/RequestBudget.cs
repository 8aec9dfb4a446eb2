using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Latchkey.Server.Data;
using Latchkey.Server.Observability;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Http;

/// <summary>
/// Every request gets an answer within <c>Latchkey:RequestBudget</c> (2 s), however the store
/// hangs: a stalled network costs Npgsql its connect and command timeouts, a SQLite writer that
/// holds the lock costs the busy timeout, and a client (kubectl, nginx, a kubelet) would wait that
/// long for every request. At the budget the request's token is cancelled, so the work stops where
/// it listens; and if no answer has begun by then, the request's code loses its response
/// (<see cref="BudgetedResponse"/>) and the answer is a 503 that names the cause, with Retry-After.
/// A verification that ran out of budget is therefore a 503, never a 200.
/// ASP.NET Core's request timeouts only cancel the token, which does not reach a store call that is
/// blocked in a native wait: hence this, and not those.
/// </summary>
internal static class RequestBudget
{
    /// <param name="isPage">Paths whose answer is a page for a person rather than problem+json.</param>
    public static IApplicationBuilder UseRequestBudget(this IApplicationBuilder app, Func<PathString, bool> isPage)
    {
        var settings = app.ApplicationServices.GetRequiredService<IOptions<LatchkeyOptions>>().Value;
        var budget = settings.RequestBudget;
        if (budget <= TimeSpan.Zero)
        {
            return app;
        }

        var cause = StoreFaults.OverBudget(Store.IsPostgres(settings), budget);
        var metrics = app.ApplicationServices.GetRequiredService<LatchkeyMetrics>();
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RequestBudget).FullName!);
        return app.Use(async (http, next) =>
        {
            // A proxied watch or upgrade lives as long as it is used.
            if (http.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true })
            {
                await next(http).ConfigureAwait(false);
                return;
            }

            var aborted = http.RequestAborted;
            var response = http.Features.GetRequiredFeature<IHttpResponseFeature>();
            var body = http.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
            // Wall-clock time on purpose, not the injectable TimeProvider: a budget is about the
            // client waiting, and tests that freeze the domain clock still need it to run.
            using var expiry = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            using var budgeted = new BudgetedResponse(response, body);
            expiry.CancelAfter(budget);
            http.Features.Set<IHttpResponseFeature>(budgeted);
            http.Features.Set(budgeted.Body);
            http.RequestAborted = expiry.Token;
            try
            {
                // On the thread pool: a store call that blocks its thread (SQLite waiting out a lock
                // does) would otherwise hold this one too, budget and all.
                var work = Task.Run(() => next(http), CancellationToken.None);
                if (!work.IsCompleted)
                {
                    await Task.WhenAny(work, Task.Delay(Timeout.InfiniteTimeSpan, expiry.Token)).ConfigureAwait(false);
                }

                // Done in time; or done only because the budget cancelled it (the exception handler calls that a 499).
                var overBudget = expiry.IsCancellationRequested && !aborted.IsCancellationRequested
                    && (!work.IsCompleted || response.StatusCode == StatusCodes.Status499ClientClosedRequest);
                if (!overBudget || !budgeted.TryClose())
                {
                    await work.ConfigureAwait(false);
                    // What the request's code left in the body's buffer goes out now.
                    await budgeted.Body.CompleteAsync().ConfigureAwait(false);
                    return;
                }

                metrics.StoreError();
                Log.RequestOverBudget(logger, http.Request.Method, http.Request.Path, budget.TotalMilliseconds);
                await AnswerAsync(response, body, StoreFaults.Detail(cause), isPage(http.Request.Path), http.TraceIdentifier,
                    HttpProtocol.IsHttp10(http.Request.Protocol) || HttpProtocol.IsHttp11(http.Request.Protocol)).ConfigureAwait(false);
                // The connection closes after this answer, so nothing waits behind the abandoned work;
                // that work still ends here, since the request's objects are reused once this returns.
                await ObserveAsync(work, logger).ConfigureAwait(false);
            }
            finally
            {
                http.RequestAborted = aborted;
                http.Features.Set(response);
                http.Features.Set(body);
            }
        });
    }

    private static async Task AnswerAsync(IHttpResponseFeature response, IHttpResponseBodyFeature body, string detail, bool page, string traceId, bool closeConnection)
    {
        response.Headers.Clear();
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.ReasonPhrase = null;
        var content = page ? Page(detail) : Problem(detail, traceId);
        var headers = response.Headers;
        headers.ContentType = page ? "text/html; charset=utf-8" : "application/problem+json";
        headers.ContentLength = content.Length;
        headers.RetryAfter = StoreFaults.RetryAfterSeconds;
        if (closeConnection)
        {
            // HTTP/2 and 3 have no such header: their other streams carry on meanwhile anyway.
            headers.Connection = "close";
        }

        // The answer's own: the request's code set its headers on a response it no longer has.
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        await body.Writer.WriteAsync(content).ConfigureAwait(false);
        await body.CompleteAsync().ConfigureAwait(false);
    }

    private static byte[] Problem(string detail, string traceId)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "https://tools.ietf.org/html/rfc9110#section-15.6.4");
            json.WriteString("title", "Service unavailable");
            json.WriteNumber("status", StatusCodes.Status503ServiceUnavailable);
            json.WriteString("detail", detail);
            json.WriteString("traceId", traceId);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static byte[] Page(string detail) => Encoding.UTF8.GetBytes($"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Latchkey is unavailable</title></head>
        <body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto">
        <h1>Latchkey is unavailable</h1>
        <p>{HtmlEncoder.Default.Encode(detail)}</p>
        </body></html>
        """);

    private static async Task ObserveAsync(Task work, ILogger logger)
    {
        try
        {
            await work.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Its answer was already given; what it ran into is only worth a log line.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.AbandonedWorkFailed(logger, e);
        }
    }
}
