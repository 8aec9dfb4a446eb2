using System.Security.Claims;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Console;

/// <summary>
/// The console's own cookie scheme. The REST API never accepts it (bearer only), and console
/// pages never accept a bearer token: each door has one way in.
/// </summary>
internal static class ConsoleAuthentication
{
    public const string Scheme = "LatchkeyConsole";
    public const string Policy = "console";
    public const string CookieName = "latchkey-console";

    public static AuthenticationBuilder AddConsoleCookie(this AuthenticationBuilder authentication)
    {
        ArgumentNullException.ThrowIfNull(authentication);
        authentication.Services.AddOptions<CookieAuthenticationOptions>(Scheme)
            .Configure<IOptions<LatchkeyOptions>>((cookie, latchkey) => cookie.ExpireTimeSpan = latchkey.Value.ConsoleIdleTimeout);
        return authentication.AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = CookieName;
            // Script never needs the cookie; Strict keeps it off every cross-site request (CSRF);
            // Secure whenever the request came over HTTPS (directly or through a trusted proxy).
            // On plain http://127.0.0.1 the cookie is sent without Secure, or a local start could not sign in.
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.Cookie.IsEssential = true;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = "/signin";
            cookie.LogoutPath = "/signout";
            cookie.ReturnUrlParameter = "returnUrl";
            cookie.Events.OnValidatePrincipal = ValidateAsync;
        });
    }

    public static ClaimsPrincipal Principal(Guid userId) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId.ToString())], Scheme));

    /// <summary>
    /// Every request asks the store whether the user still exists and is active: disabling an
    /// account ends its console sessions on their next request, on every replica.
    /// </summary>
    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var http = context.HttpContext;
        var db = http.RequestServices.GetRequiredService<LatchkeyDbContext>();
        var user = Guid.TryParse(context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            ? await db.Users.AsNoTracking().Where(u => u.Id == id && u.IsActive)
                .Select(u => new { u.Email, u.DisplayName, u.OrganizationId, u.Organization.Slug, u.Organization.Name })
                .SingleOrDefaultAsync(http.RequestAborted).ConfigureAwait(false)
            : null;
        if (user is null)
        {
            context.RejectPrincipal();
            await http.SignOutAsync(Scheme).ConfigureAwait(false);
            return;
        }

        var caller = ConsoleUser.CallerFor(id, user.Email, user.DisplayName, user.OrganizationId, user.Slug, user.Name);
        var rights = await ConsoleRights.ForAsync(http.RequestServices.GetRequiredService<AccessEvaluator>(), caller, http.RequestAborted).ConfigureAwait(false);
        http.Features.Set(new ConsoleUser(caller, rights));
    }
}
