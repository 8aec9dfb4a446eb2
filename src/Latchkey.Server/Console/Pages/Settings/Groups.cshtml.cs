using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages.Settings;

/// <summary>The organization's groups (iam:manage): the list, and creating one.</summary>
internal sealed class GroupsModel(LatchkeyDbContext db, GroupRegistry registry) : ConsolePageModel
{
    [BindProperty]
    public string? Name { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public List<GroupInfo> Groups { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!Me.Rights.ManageMembers)
        {
            return NotFound();
        }

        Groups = await GroupRegistry.ListAsync(db, Me.Caller, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!Me.Rights.ManageMembers)
        {
            return NotFound();
        }

        var outcome = await registry.CreateAsync(db, HttpContext, Me.Caller, Name, cancellationToken);
        if (outcome.Value is { } group)
        {
            return LocalRedirect($"/settings/groups/{group.Id}?done=created");
        }

        Errors[outcome.Refused!.Field ?? "name"] = outcome.Refused.Message;
        return await OnGetAsync(cancellationToken);
    }
}
