using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Vpcs;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages.Settings;

/// <summary>
/// VPCs: listed for whoever holds vpcs:view on the organization or on some VPC; created and
/// deleted by holders of vpcs:manage on the organization. Others get a 404, as for every admin page.
/// </summary>
internal sealed class VpcsModel(LatchkeyDbContext db, VpcRegistry registry, AccessEvaluator access) : ConsolePageModel
{
    [BindProperty]
    public CreateVpcRequest Vpc { get; set; } = new(null, null, null);

    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public List<Vpc> Vpcs { get; private set; } = [];
    public bool CanManage { get; private set; }
    public bool ShowSettingsNav => Me.Rights.ManageMembers;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        CanManage = await registry.MayCreateAsync(Me.Caller, cancellationToken);
        if (!CanManage && await access.VpcsWithAsync(Me.Caller, Permissions.VpcsView, cancellationToken) is { Count: 0 })
        {
            return NotFound();
        }

        Vpcs = await registry.VisibleAsync(db, Me.Caller, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!await registry.MayCreateAsync(Me.Caller, cancellationToken))
        {
            return NotFound();
        }

        var outcome = await registry.CreateAsync(db, HttpContext, Me.Caller, Vpc, cancellationToken);
        if (outcome.Value is not null)
        {
            return LocalRedirect("/settings/vpcs?done=created");
        }

        Errors[outcome.Refused!.Field ?? ""] = outcome.Refused.Message;
        return await OnGetAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid vpc, CancellationToken cancellationToken)
    {
        if (!await registry.MayCreateAsync(Me.Caller, cancellationToken))
        {
            return NotFound();
        }

        var outcome = await registry.DeleteAsync(db, HttpContext, Me.Caller, vpc, cancellationToken);
        if (outcome.Value is not null)
        {
            return LocalRedirect("/settings/vpcs?done=deleted");
        }

        // A VPC in use is refused with the policies named: shown above the list.
        Errors[""] = outcome.Refused!.Message;
        return await OnGetAsync(cancellationToken);
    }
}
