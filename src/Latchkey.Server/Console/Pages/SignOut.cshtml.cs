using Latchkey.Data;
using Latchkey.Server.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages;

internal sealed class SignOutModel : ConsolePageModel
{
    public async Task<IActionResult> OnPostAsync([FromServices] LatchkeyDbContext db, [FromServices] AuditLog audit, CancellationToken cancellationToken)
    {
        db.AuditEvents.Add(audit.Event(HttpContext, "logout", "success", Me.Caller.Grant, "user", Me.Email, "console session"));
        await db.SaveChangesAsync(cancellationToken);
        await HttpContext.SignOutAsync(ConsoleAuthentication.Scheme);
        return LocalRedirect("/signin?signedout=true");
    }
}
