using Latchkey.Server.Audit;
using Latchkey.Server.Iam;
using Latchkey.Server.Observability;
using Latchkey.Server.Verification;

namespace Latchkey.Server.ForwardAuth;

/// <summary>
/// Forward-auth for reverse proxies (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz):
/// 200 with identity headers, 401 with a Bearer challenge, 403 without the permission asked for,
/// 429 after too many failures, 503 when the store is down. Never 200 on doubt.
/// </summary>
internal static class ForwardAuthEndpoints
{
    public const string ScopeHeader = "X-Latchkey-Scope";
    private const string MetricsDoor = "forward-auth";

    public static IEndpointRouteBuilder MapForwardAuth(this IEndpointRouteBuilder app)
    {
        app.Map("/auth/verify", VerifyAsync).WithTags("Forward-auth")
            .WithSummary("Any method. Checks the bearer token and, with ?scope= or X-Latchkey-Scope, one permission such as metrics:read.");
        return app;
    }

    private static async Task<IResult> VerifyAsync(
        HttpContext http, TokenVerifier verifier, AccessEvaluator access, FailedAttempts failures, LatchkeyMetrics metrics, AuditLog audit, string? scope)
    {
        scope ??= http.Request.Headers[ScopeHeader].FirstOrDefault();
        if (scope is not null && !Permissions.All.Contains(scope))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unknown scope",
                detail: $"'{scope}' is not a Latchkey permission; use one of {string.Join(", ", Permissions.All.Order(StringComparer.Ordinal))}.");
        }

        var address = http.Connection.RemoteIpAddress;
        var source = address?.ToString();
        if (failures.RetryAfter(source) is { } wait)
        {
            http.Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
            metrics.Verified(MetricsDoor, "throttled", TimeSpan.Zero);
            return TypedResults.StatusCode(StatusCodes.Status429TooManyRequests);
        }

        var token = BearerHeader.Read(http.Request);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await verifier.VerifyAsync(token, Door.ForwardAuth, address);
        if (result.Grant is not { } grant)
        {
            metrics.Verified(MetricsDoor, result.Outcome, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            if (failures.Fail(source))
            {
                audit.Tally(audit.Event(http, "auth.throttled", "denied", detail: "too many failed token uses from this address"));
            }

            if (result.Failure != VerificationFailure.Missing)
            {
                audit.Tally(audit.Event(http, result.AuditAction, "failure", targetType: result.TokenId is null ? null : "token",
                    targetId: result.TokenId, detail: $"{result.Failure} token at forward-auth", organizationId: result.OrganizationId));
            }

            if (result.Failure == VerificationFailure.NetworkDenied)
            {
                // A genuine token from outside its networks: forbidden, not unauthenticated (a new token would not help).
                return TypedResults.StatusCode(StatusCodes.Status403Forbidden);
            }

            http.Response.Headers.WWWAuthenticate = token is null ? "Bearer realm=\"latchkey\"" : "Bearer realm=\"latchkey\", error=\"invalid_token\"";
            return TypedResults.StatusCode(StatusCodes.Status401Unauthorized);
        }

        var allowed = scope is null || await access.HasAsync(grant, scope);
        metrics.Verified(MetricsDoor, allowed ? "valid" : "forbidden", System.Diagnostics.Stopwatch.GetElapsedTime(started));
        if (!allowed)
        {
            audit.Tally(audit.Event(http, "auth.forbidden", "denied", grant, detail: $"forward-auth scope {scope}"));
            return TypedResults.StatusCode(StatusCodes.Status403Forbidden);
        }

        var headers = http.Response.Headers;
        headers["X-Latchkey-User"] = grant.Email;
        headers["X-Latchkey-Org"] = grant.OrganizationSlug;
        headers["X-Latchkey-Token-Id"] = grant.TokenId;
        return TypedResults.Ok();
    }
}
