using Latchkey.Data;
using Latchkey.Server.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages;

/// <summary>Signing out ends the session on the server, so a copy of the cookie stops working too, not only this browser's.</summary>
internal sealed class SignOutModel : ConsolePageModel
{
    public async Task<IActionResult> OnPostAsync([FromServices] LatchkeyDbContext db, [FromServices] ConsoleSessions sessions, CancellationToken cancellationToken)
    {
        await sessions.SignOutAsync(db, HttpContext, Me.Caller, Me.SessionId, cancellationToken);
        await HttpContext.SignOutAsync(ConsoleAuthentication.Scheme);
        return LocalRedirect("/signin?signedout=true");
    }
}
