using System.Data.Common;
using System.Text.Json;
using Latchkey.Server.Data;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Http;

/// <summary>Every error is an RFC 9457 problem+json body with a message a person understands.</summary>
internal static class Problems
{
    public static Task Write(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }

    /// <summary>A 400 naming the field at fault, in <c>errors</c> and in <c>detail</c>.</summary>
    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [field] = [message] },
            detail: message,
            title: "The request is not valid.");

    /// <summary>A sentence for problems the framework raises without one (status code pages).</summary>
    public static void AddDefaultDetail(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        problem.Detail ??= problem.Status switch
        {
            StatusCodes.Status404NotFound => "Nothing is at this address. The API lives under /api/v1; see /openapi/v1.json.",
            StatusCodes.Status405MethodNotAllowed => "This address does not accept that HTTP method.",
            StatusCodes.Status415UnsupportedMediaType => "The request body must be JSON ('Content-Type: application/json').",
            StatusCodes.Status413PayloadTooLarge => TooLarge(context.HttpContext),
            StatusCodes.Status401Unauthorized => "This endpoint needs an access token in the header 'Authorization: Bearer <token>'.",
            StatusCodes.Status403Forbidden => "Your access does not allow this.",
            _ => problem.Title,
        };
    }

    /// <summary>The sentence of a 413: the limit of the endpoint asked (Latchkey:Limits:MaxRequestBodySize, or the webhooks' own).</summary>
    public static string TooLarge(HttpContext http) =>
        $"The request body is larger than this endpoint accepts ({ServerLimits.Describe(http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize)}). Nothing was changed.";

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"No {what} with that name or id exists.");

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);
}

/// <summary>Turns exceptions into problems: bad bodies into 400, an unreachable store into 503, anything else into 500.</summary>
internal sealed class ProblemExceptionHandler(Observability.LatchkeyMetrics metrics, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Too large" : "The request is not valid.",
                DescribeBadRequest(bad, httpContext)),
            DbUpdateException { InnerException: var inner } when IsConstraintViolation(inner) => (StatusCodes.Status409Conflict,
                "Conflict", "Another request changed the same thing at the same time, or the name is taken. Nothing was changed."),
            _ when StoreFaults.Cause(exception) is { } cause => (StatusCodes.Status503ServiceUnavailable, "Service unavailable", StoreFaults.Detail(cause)),
            _ => (StatusCodes.Status500InternalServerError, "Internal error", "Something went wrong on the server; it has been logged."),
        };

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            Log.StoreUnavailable(logger, exception);
            metrics.StoreError();
            httpContext.Response.Headers.RetryAfter = StoreFaults.RetryAfterSeconds;
        }
        else if (status >= 500)
        {
            Log.UnhandledError(logger, exception);
        }

        await Problems.Write(httpContext, status, title, detail).ConfigureAwait(false);
        return true;
    }

    private const int SqliteConstraint = 19;

    private static bool IsConstraintViolation(Exception? exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteConstraint } || exception is DbException { SqlState: "23505" };

    private static string DescribeBadRequest(BadHttpRequestException bad, HttpContext http) => bad.InnerException switch
    {
        _ when bad.StatusCode == StatusCodes.Status413PayloadTooLarge => Problems.TooLarge(http),
        JsonException json when json.Message.Contains("could not be mapped", StringComparison.Ordinal) =>
            $"The request body has a field this endpoint does not know{At(json)}. Remove it and try again.",
        JsonException json => $"The request body is not valid JSON for this endpoint{At(json)}.",
        _ when bad.Message.Contains("was not provided from body", StringComparison.Ordinal)
            || bad.Message.Contains("no body was provided", StringComparison.Ordinal) =>
            "The request needs a JSON body ('Content-Type: application/json').",
        _ when bad.StatusCode == StatusCodes.Status415UnsupportedMediaType =>
            "The request body must be JSON ('Content-Type: application/json').",
        _ => bad.Message,
    };

    private static string At(JsonException json) => json.Path is { Length: > 0 } path ? $" (at {path})" : "";
}
