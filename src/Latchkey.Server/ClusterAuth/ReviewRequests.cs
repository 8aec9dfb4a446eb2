using System.Text.Json;
using Latchkey.Server.Http;

namespace Latchkey.Server.ClusterAuth;

/// <summary>What both webhooks do before deciding: who is calling, and is the review well formed.</summary>
internal static class ReviewRequests
{
    public static readonly string[] Versions = ["v1", "v1beta1"];

    /// <summary>A review is a token and a few attributes; API servers send well under 4 KiB.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// The calling cluster and the parsed review, or the 4xx to answer instead. A malformed review
    /// is the caller's bug, so it is a 4xx and not a "no" that the API server would cache.
    /// </summary>
    public static async Task<(WebhookCaller? Caller, T? Review, IResult? Error)> ReadAsync<T>(
        HttpContext http, WebhookCallers callers, string version, string group, string kind) where T : class
    {
        if (!Versions.Contains(version))
        {
            return (null, null, Problem(StatusCodes.Status404NotFound, $"{group} has no version '{version}' here; use v1 or v1beta1."));
        }

        var caller = await callers.AuthenticateAsync(http.Request).ConfigureAwait(false);
        if (caller is null)
        {
            // Someone who is not a registered cluster knocking at the webhooks: a failure to audit, collapsed like the others.
            var audit = http.RequestServices.GetRequiredService<Audit.AuditLog>();
            audit.Tally(audit.Event(http, "auth.failed", "failure", detail: $"{kind} without a valid webhook credential"));
            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"latchkey-webhook\"";
            return (null, null, Problem(StatusCodes.Status401Unauthorized,
                "Webhook calls need the cluster's webhook credential (see GET /api/v1/clusters/{name}/webhook-config)."));
        }

        // kubectl create --raw sends no content type; an explicit non-JSON one is a mistake.
        if (http.Request.ContentType is not null && !http.Request.HasJsonContentType())
        {
            return (caller, null, Problem(StatusCodes.Status415UnsupportedMediaType, $"A {kind} is sent as JSON ('Content-Type: application/json')."));
        }

        // Capped before a byte is parsed: a declared length over it is refused outright, a chunked body as it crosses it.
        var tooLarge = Problem(StatusCodes.Status413PayloadTooLarge, $"A {kind} is at most {MaxBodyBytes / 1024} KiB.");
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return (caller, null, tooLarge);
        }

        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        T? review;
        try
        {
            review = await DeserializeAsync<T>(http.Request.Body, http.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (caller, null, tooLarge);
        }
        catch (JsonException)
        {
            return (caller, null, Problem(StatusCodes.Status400BadRequest, $"The body is not a JSON {kind} (each field once)."));
        }

        return (caller, review, null);
    }

    /// <summary>The review in a body, or a <see cref="JsonException"/> for anything that is not one (also what the fuzzer calls).</summary>
    public static ValueTask<T?> DeserializeAsync<T>(Stream body, CancellationToken cancellationToken) where T : class =>
        JsonSerializer.DeserializeAsync<T>(body, ReviewJson.Options, cancellationToken);

    public static IResult? CheckType(string? apiVersion, string? kind, string group, string version, string expectedKind, bool hasSpec)
    {
        var expectedApiVersion = $"{group}/{version}";
        if (kind != expectedKind || apiVersion != expectedApiVersion)
        {
            return Problem(StatusCodes.Status400BadRequest,
                $"Expected kind '{expectedKind}' with apiVersion '{expectedApiVersion}', got kind '{kind}' with apiVersion '{apiVersion}'.");
        }

        return hasSpec ? null : Problem(StatusCodes.Status400BadRequest, $"The {expectedKind} has no spec.");
    }

    public static IResult Problem(int status, string detail) =>
        TypedResults.Problem(statusCode: status, title: status switch
        {
            StatusCodes.Status401Unauthorized => "Unauthorized",
            StatusCodes.Status404NotFound => "Not found",
            StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
            StatusCodes.Status413PayloadTooLarge => "Too large",
            _ => "The review is not valid.",
        }, detail: detail);

    public static IResult Answer<T>(T review) => TypedResults.Json(review, ReviewJson.Options);
}
