using System.Security.Claims;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Identity;
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

    /// <summary>The claim that names the session row (<see cref="ConsoleSessions"/>) the cookie belongs to.</summary>
    public const string SessionClaim = "latchkey:session";

    public static ClaimsPrincipal Principal(Guid userId, Guid sessionId) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId.ToString()), new Claim(SessionClaim, sessionId.ToString())], Scheme));

    /// <summary>
    /// Every request asks the store, in one query, whether the cookie's session is live and its
    /// user still active: signing out, a new password or a disabled account end a session on its
    /// next request, on every replica, whoever holds a copy of the cookie. A cookie without a
    /// session (from before sessions were kept) is refused like an ended one.
    /// </summary>
    private static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var http = context.HttpContext;
        var db = http.RequestServices.GetRequiredService<LatchkeyDbContext>();
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var known = Guid.TryParse(context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier), out var id)
            & Guid.TryParse(context.Principal?.FindFirstValue(SessionClaim), out var sessionId);
        var user = known
            ? await db.ConsoleSessions.AsNoTracking().Where(ConsoleSessions.LiveAt(now)).Where(s => s.Id == sessionId && s.UserId == id)
                .Join(db.Users.Where(u => u.IsActive), s => s.UserId, u => u.Id,
                    (s, u) => new { u.Email, u.DisplayName, u.OrganizationId, u.Organization.Slug, u.Organization.Name })
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
        http.Features.Set(new ConsoleUser(caller, rights, sessionId));
    }
}
