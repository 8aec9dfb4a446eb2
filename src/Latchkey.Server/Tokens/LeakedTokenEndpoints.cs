using System.Threading.RateLimiting;
using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Latchkey.Server.Tokens;

/// <summary>
/// <c>POST /api/v1/tokens/revoke-leaked</c>: anyone who finds a token may kill it, without signing
/// in. The secrets travel in the body only (never a URL, so neither the URL guard nor a request log
/// sees them), and the answer is the same whatever was sent.
/// </summary>
internal static class LeakedTokenEndpoints
{
    public const string RateLimitPolicy = "revoke-leaked";
    public const int MaxTokens = 1000;

    /// <summary>1,000 tokens are about 42 KB of JSON; this leaves room for whitespace and garbage, not for a flood.</summary>
    private const long MaxBodyBytes = 256 * 1024;

    public static RouteGroupBuilder MapLeakedTokens(this RouteGroupBuilder api)
    {
        api.MapPost("/tokens/revoke-leaked", Report).WithTags("Tokens")
            .AllowAnonymous()
            .RequireRateLimiting(RateLimitPolicy)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .WithSummary("Report leaked tokens: each live one is revoked at once and its owner told. No sign-in needed; the answer is the same whatever was sent.");
        return api;
    }

    /// <summary>Reports per source address per minute (<c>Latchkey:LeakReportsPerMinute</c>, default 30).</summary>
    public static void AddRateLimit(RateLimiterOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        var perMinute = configuration.GetValue($"{LatchkeyOptions.Section}:LeakReportsPerMinute", 30);
        options.AddPolicy(RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
            http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    /// <summary>True when the rejected request was a leak report (not a sign-in).</summary>
    public static bool Limits(HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == RateLimitPolicy;

    public static Task RejectAsync(HttpContext http)
    {
        var audit = http.RequestServices.GetRequiredService<AuditLog>();
        audit.Tally(audit.Event(http, "token.revoke-leaked", "denied", detail: "too many leak reports from this address"));
        return Problems.Write(http, StatusCodes.Status429TooManyRequests, "Too many requests",
            "Too many leak reports from your address. Wait a minute and send the rest; put up to 1,000 tokens in one report.");
    }

    private static async Task<Results<Ok<RevokeLeakedResponse>, ValidationProblem>> Report(
        RevokeLeakedRequest request, LatchkeyDbContext db, LeakedTokens leaked, HttpContext http, CancellationToken cancellationToken)
    {
        if (request.Tokens is null)
        {
            return Problems.Invalid("tokens", "Send the leaked token strings as a list: {\"tokens\": [\"lk_...\"]}.");
        }

        if (request.Tokens.Count > MaxTokens)
        {
            return Problems.Invalid("tokens", $"The report holds {request.Tokens.Count} strings; send at most {MaxTokens} per request.");
        }

        await leaked.RevokeAsync(db, request.Tokens, http, cancellationToken);
        return TypedResults.Ok(new RevokeLeakedResponse(request.Tokens.Count));
    }
}
