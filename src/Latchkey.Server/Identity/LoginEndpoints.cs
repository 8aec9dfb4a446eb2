using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Http;
using Latchkey.Server.Tokens;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Identity;

internal static class LoginEndpoints
{
    public const string RateLimitPolicy = "login";

    public static RouteGroupBuilder MapLogin(this RouteGroupBuilder api)
    {
        api.MapPost("/login", Login).WithTags("Identity").AllowAnonymous().RequireRateLimiting(RateLimitPolicy)
            .WithSummary("Exchange an email and password for a token (listed with your other tokens, named for where it came from).");
        api.MapGet("/whoami", WhoAmI).WithTags("Identity").WithSummary("Who the bearer token belongs to.");
        return api;
    }

    private static async Task<Results<Ok<LoginResponse>, ValidationProblem, ProblemHttpResult>> Login(
        LoginRequest request, LatchkeyDbContext db, PasswordSignIn signIn, TokenIssuer issuer, AuditLog audit,
        TimeProvider time, IOptions<LatchkeyOptions> options, HttpContext http, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Email))
        {
            return Problems.Invalid("email", "Give the email address of your account.");
        }

        if (string.IsNullOrEmpty(request.Password))
        {
            return Problems.Invalid("password", "Give your password.");
        }

        var user = await signIn.CheckAsync(db, http, request.Email, request.Password, cancellationToken);
        if (user is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed",
                detail: "The email or password is not right, or the account is disabled.");
        }

        var days = Math.Min(options.Value.LoginTokenLifetimeDays, user.Organization.MaxTokenLifetimeDays);
        var draft = new TokenDraft(LoginTokenName(http), "Created by signing in with a password.", time.GetUtcNow().AddDays(days), TokenIssuer.SignIn);
        var issued = await issuer.IssueAsync(db, user.OrganizationId, user.Id, draft, token => audit.Event(http, "login", "success",
            new TokenGrant(token.Id, token.Name, token.ExpiresAt, user.Id, user.Email, user.DisplayName, user.OrganizationId, user.Organization.Slug,
                user.Organization.Name), "token", token.Id), cancellationToken);
        if (issued.Value is not { Token: var token, Secret: var secret })
        {
            return issued.Refused!.ToProblem();
        }

        return TypedResults.Ok(new LoginResponse(secret, token.Id, token.ExpiresAt));
    }

    private static Ok<WhoAmI> WhoAmI(Caller caller)
    {
        var g = caller.Grant;
        return TypedResults.Ok(new WhoAmI(
            new UserInfo(g.UserId, g.Email, g.DisplayName),
            new OrganizationInfo(g.OrganizationId, g.OrganizationSlug, g.OrganizationName),
            new TokenRef(g.TokenId, g.TokenName, g.ExpiresAt)));
    }

    /// <summary>"login from curl/8.1 at 10.0.0.7": enough to recognise the token in a list later.</summary>
    private static string LoginTokenName(HttpContext http)
    {
        var agent = http.Request.Headers.UserAgent.ToString().Split(' ', 2)[0];
        var name = $"login from {(agent.Length == 0 ? "unknown client" : agent)} at {http.Connection.RemoteIpAddress}";
        name = new string([.. name.Where(c => !char.IsControl(c))]);
        return name.Length > TokenRules.MaxNameLength ? name[..TokenRules.MaxNameLength] : name;
    }
}
