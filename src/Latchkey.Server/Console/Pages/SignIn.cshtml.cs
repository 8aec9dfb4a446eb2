using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Latchkey.Server.Console.Pages;

/// <summary>Sign-in with the organization's accounts. Attempts share the API login's per-address budget and are audited the same way.</summary>
[EnableRateLimiting(LoginEndpoints.RateLimitPolicy)]
internal sealed class SignInModel : ConsolePageModel
{
    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty(SupportsGet = true, Name = "signedout")]
    public bool SignedOut { get; set; }

    [BindProperty(SupportsGet = true, Name = "welcome")]
    public bool Welcome { get; set; }

    public IActionResult OnGet() => HttpContext.Features.Get<ConsoleUser>() is null ? Page() : LocalRedirect(Destination());

    public async Task<IActionResult> OnPostAsync(
        [FromServices] LatchkeyDbContext db, [FromServices] PasswordSignIn signIn, [FromServices] ConsoleSessions sessions, [FromServices] AuditLog audit,
        CancellationToken cancellationToken)
    {
        SignedOut = false;
        Welcome = false;
        if (string.IsNullOrWhiteSpace(Email))
        {
            Errors["email"] = "Give the email address of your account.";
        }

        if (string.IsNullOrEmpty(Password))
        {
            Errors["password"] = "Give your password.";
        }

        if (Errors.Count > 0)
        {
            return Page();
        }

        var user = await signIn.CheckAsync(db, HttpContext, Email!, Password!, cancellationToken);
        if (user is null)
        {
            Errors[""] = "The email or password is not right, or the account is disabled.";
            return Page();
        }

        var actor = ConsoleUser.CallerFor(user.Id, user.Email, user.DisplayName, user.OrganizationId, user.Organization.Slug, user.Organization.Name);
        var session = sessions.Start(db, user.Id);
        db.AuditEvents.Add(audit.Event(HttpContext, "login", "success", actor.Grant, "user", user.Email, "console session"));
        await db.SaveChangesAsync(cancellationToken);
        await HttpContext.SignInAsync(ConsoleAuthentication.Scheme, ConsoleAuthentication.Principal(user.Id, session.Id),
            new AuthenticationProperties { IsPersistent = false });
        return LocalRedirect(Destination());
    }

    /// <summary>Only a path of this site: a sign-in link must not send people elsewhere afterwards.</summary>
    private string Destination() => Url.IsLocalUrl(ReturnUrl) && ReturnUrl != "/" ? ReturnUrl! : "/tokens";
}
