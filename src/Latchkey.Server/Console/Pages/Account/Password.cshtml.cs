using Latchkey.Data;
using Latchkey.Server.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Latchkey.Server.Console.Pages.Account;

/// <summary>
/// The signed-in person changes their password. The current password is asked for (a borrowed
/// browser is not enough), and attempts share the sign-in's per-address budget, so the form is
/// no way around its limit on guessing.
/// </summary>
[EnableRateLimiting(LoginEndpoints.RateLimitPolicy)]
internal sealed class PasswordModel(LatchkeyDbContext db, PasswordChange change) : ConsolePageModel
{
    [BindProperty]
    public string? Current { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty]
    public string? Confirmation { get; set; }

    public ChangedPassword? Changed { get; private set; }

    public string Email => Me.Email;

    public void OnGet() => NoStore();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        NoStore();
        var outcome = await change.ChangeAsync(db, HttpContext, Me.Caller, Me.SessionId, Current, Password, Confirmation, cancellationToken);
        if (outcome.Refused is { } refused)
        {
            Errors[refused.Field ?? ""] = refused.Message;
        }

        Changed = outcome.Value;
        return Page();
    }
}
