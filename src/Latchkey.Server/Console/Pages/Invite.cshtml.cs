using Latchkey.Data;
using Latchkey.Server.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages;

/// <summary>
/// An invitation link, <c>/invite/{code}</c>: the invited person chooses a password. The code
/// arrives through <see cref="InvitationLinks"/> (never in a logged path) and is posted back in the
/// form body; it works once.
/// </summary>
internal sealed class InviteModel(LatchkeyDbContext db, Invitations invitations) : ConsolePageModel
{
    [BindProperty]
    public string? Code { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty]
    public string? Confirmation { get; set; }

    public string? Email { get; private set; }
    public bool Valid { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        NoStore();
        Code = HttpContext.Features.Get<InvitationCode>()?.Value;
        var invitation = await invitations.FindAsync(db, Code, cancellationToken);
        Valid = invitation is not null;
        Email = invitation?.User.Email;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        NoStore();
        var invitation = await invitations.FindAsync(db, Code, cancellationToken);
        if (invitation is null)
        {
            return Page();
        }

        Valid = true;
        Email = invitation.User.Email;
        if (PasswordPolicy.Problem(Password, Email) is { } problem)
        {
            Errors["password"] = problem;
        }
        else if (Password != Confirmation)
        {
            Errors["confirmation"] = "The two passwords differ; type the same password twice.";
        }

        if (Errors.Count > 0)
        {
            return Page();
        }

        await invitations.AcceptAsync(db, HttpContext, invitation, Password!, cancellationToken);
        return LocalRedirect("/signin?welcome=true");
    }
}
