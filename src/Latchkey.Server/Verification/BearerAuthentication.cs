using System.Security.Claims;
using System.Text.Encodings.Web;
using Latchkey.Server.Audit;
using Latchkey.Server.Http;
using Latchkey.Server.Observability;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Verification;

/// <summary>
/// Authenticates <c>Authorization: Bearer</c> through <see cref="TokenVerifier"/>. Tokens are
/// accepted in that header only: a URL ends up in logs and browser history.
/// </summary>
internal sealed class BearerAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    TokenVerifier verifier,
    FailedAttempts failures,
    LatchkeyMetrics metrics,
    AuditLog audit)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Bearer";
    private const string PresentedKey = "latchkey.bearer-presented";
    private const string ThrottledKey = "latchkey.bearer-throttled";
    private const string NetworkDeniedKey = "latchkey.bearer-network-denied";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerHeader.Read(Request) is not { } token)
        {
            return AuthenticateResult.NoResult();
        }

        Context.Items[PresentedKey] = true;
        var address = Context.Connection.RemoteIpAddress;
        var source = address?.ToString();
        if (failures.RetryAfter(source) is { } wait)
        {
            Context.Items[ThrottledKey] = wait;
            return AuthenticateResult.Fail("Too many failed attempts from this address.");
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await verifier.VerifyAsync(token, Door.Api, address).ConfigureAwait(false);
        metrics.Verified("api", result.Outcome, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        if (result.Grant is not { } grant)
        {
            if (failures.Fail(source))
            {
                audit.Tally(audit.Event(Context, "auth.throttled", "denied", detail: "too many failed token uses from this address"));
            }

            var failure = result.Failure.ToString();
            Log.AuthenticationFailed(Logger, failure, result.TokenId);
            if (result.Failure == VerificationFailure.NetworkDenied)
            {
                Context.Items[NetworkDeniedKey] = true;
            }

            audit.Tally(audit.Event(Context, result.AuditAction, "failure", targetType: result.TokenId is null ? null : "token",
                targetId: result.TokenId, detail: $"{failure} token at {Request.Path}", organizationId: result.OrganizationId));
            return AuthenticateResult.Fail("The bearer token is not valid.");
        }

        var caller = new Caller(grant);
        Context.Features.Set(caller);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, grant.UserId.ToString()), new Claim("token_id", grant.TokenId)],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[ThrottledKey] is int wait)
        {
            Response.Headers.RetryAfter = wait.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Write(Context, StatusCodes.Status429TooManyRequests, "Too many requests",
                "Too many failed token uses from your address. Wait and try again with a valid token.");
        }

        if (Context.Items.ContainsKey(NetworkDeniedKey))
        {
            // The token is genuine, so "invalid" would mislead its owner; the answer names neither the token nor its networks.
            return Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden",
                $"This token may not be used from your address ({Context.Connection.RemoteIpAddress}): its owner allowed it only from certain networks.");
        }

        var presented = Context.Items.ContainsKey(PresentedKey);
        // RFC 6750: say that a token is needed, and whether the one given was bad.
        Response.Headers.WWWAuthenticate = presented ? "Bearer realm=\"latchkey\", error=\"invalid_token\"" : "Bearer realm=\"latchkey\"";
        return Problems.Write(Context, StatusCodes.Status401Unauthorized, "Unauthorized",
            presented
                ? "The bearer token is not valid: it is malformed, unknown, expired or revoked."
                : "This endpoint needs an access token in the header 'Authorization: Bearer <token>'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden", "Your access does not allow this.");
}
