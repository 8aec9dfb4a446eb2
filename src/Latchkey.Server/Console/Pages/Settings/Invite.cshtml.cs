using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages.Settings;

/// <summary>Inviting a member (iam:manage). The set-password link is the direct answer to the POST and is shown once.</summary>
internal sealed class InviteModel(LatchkeyDbContext db, Members members) : ConsolePageModel
{
    public static IEnumerable<string> RoleChoices => Roles.PermissionsOf.Keys.Order(StringComparer.Ordinal);

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? DisplayName { get; set; }

    [BindProperty]
    public string? Role { get; set; }

    public string? Link { get; private set; }

    public IActionResult OnGet() => Me.Rights.ManageMembers ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!Me.Rights.ManageMembers)
        {
            return NotFound();
        }

        NoStore();
        var outcome = await members.InviteAsync(db, HttpContext, Me.Caller, Email, DisplayName, string.IsNullOrEmpty(Role) ? null : Role, cancellationToken);
        if (outcome.Value is not { } invitee)
        {
            Errors[outcome.Refused!.Field ?? ""] = outcome.Refused.Message;
            return Page();
        }

        Link = InvitationLinks.Url(HttpContext, invitee.Code);
        return Page();
    }
}
