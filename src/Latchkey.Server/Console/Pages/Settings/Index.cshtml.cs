using Latchkey.Data;
using Latchkey.Server.Identity;
using Latchkey.Server.Tokens;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Console.Pages.Settings;

/// <summary>Organization settings (iam:manage): the token policy and the members.</summary>
internal sealed class IndexModel(LatchkeyDbContext db, TokenPolicy policy, Members members) : ConsolePageModel
{
    [BindProperty]
    public int? MaxDays { get; set; }

    [BindProperty]
    public bool AllowNoExpiration { get; set; }

    /// <summary>Empty: unused tokens are kept.</summary>
    [BindProperty]
    public int? IdleRevokeDays { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public List<MemberInfo> People { get; private set; } = [];
    internal Guid MyId => Me.Caller.UserId;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!Me.Rights.ManageMembers)
        {
            return NotFound();
        }

        var organization = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == Me.Caller.OrganizationId, cancellationToken);
        MaxDays = organization.MaxTokenLifetimeDays;
        AllowNoExpiration = organization.AllowNoExpiration;
        IdleRevokeDays = organization.IdleRevokeDays;
        People = await members.ListAsync(db, Me.Caller, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostPolicyAsync(CancellationToken cancellationToken)
    {
        if (!Me.Rights.ManageMembers)
        {
            return NotFound();
        }

        // Text that is not a number must not read as "empty", which turns idle revocation off.
        var (field, message) = ModelState.GetFieldValidationState(nameof(IdleRevokeDays)) == Microsoft.AspNetCore.Mvc.ModelBinding.ModelValidationState.Invalid
            ? ("idleRevokeDays", "Revoking idle tokens needs a whole number of days; leave it empty to keep unused tokens.")
            : await policy.UpdateAsync(db, HttpContext, Me.Caller, MaxDays, AllowNoExpiration, IdleRevokeDays, cancellationToken) ?? default;
        if (field is not null)
        {
            Errors[field] = message;
            People = await members.ListAsync(db, Me.Caller, cancellationToken);
            return Page();
        }

        return LocalRedirect("/settings?done=policy");
    }

    public Task<IActionResult> OnPostDisableAsync(Guid user, CancellationToken cancellationToken) => SetActiveAsync(user, false, cancellationToken);

    public Task<IActionResult> OnPostEnableAsync(Guid user, CancellationToken cancellationToken) => SetActiveAsync(user, true, cancellationToken);

    private async Task<IActionResult> SetActiveAsync(Guid user, bool active, CancellationToken cancellationToken)
    {
        if (!Me.Rights.ManageMembers)
        {
            return NotFound();
        }

        if (await members.SetActiveAsync(db, HttpContext, Me.Caller, user, active, cancellationToken) is { } problem)
        {
            Errors["members"] = problem;
            return await OnGetAsync(cancellationToken);
        }

        return LocalRedirect(active ? "/settings?done=enabled" : "/settings?done=disabled");
    }
}
