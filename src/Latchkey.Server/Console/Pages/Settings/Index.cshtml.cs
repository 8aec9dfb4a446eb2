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

    /// <summary>Space-separated permissions new tokens may be scoped to; blank for any token.</summary>
    [BindProperty]
    public string? MintableScopes { get; set; }

    public int TokensBeyondPolicy { get; private set; }
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

        var current = await policy.ReadAsync(db, Me.Caller.OrganizationId, cancellationToken);
        MaxDays = current.MaxLifetimeDays;
        AllowNoExpiration = current.AllowNoExpiration;
        MintableScopes = current.MintableScopes is null ? null : string.Join(' ', current.MintableScopes);
        TokensBeyondPolicy = current.TokensBeyondPolicy;
        IdleRevokeDays = current.IdleRevokeDays;
        People = await members.ListAsync(db, Me.Caller, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostPolicyAsync(CancellationToken cancellationToken)
    {
        if (!Me.Rights.ManageMembers)
        {
            return NotFound();
        }

        var mintable = string.IsNullOrWhiteSpace(MintableScopes) ? null : MintableScopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // Text that is not a number must not read as "empty", which turns idle revocation off.
        var (field, message) = ModelState.GetFieldValidationState(nameof(IdleRevokeDays)) == Microsoft.AspNetCore.Mvc.ModelBinding.ModelValidationState.Invalid
            ? ("idleRevokeDays", "Revoking idle tokens needs a whole number of days; leave it empty to keep unused tokens.")
            : await policy.UpdateAsync(db, HttpContext, Me.Caller,
                new Core.Contracts.UpdateTokenPolicyRequest(MaxDays, AllowNoExpiration, mintable, IdleRevokeDays), cancellationToken) ?? default;
        if (field is not null)
        {
            Errors[field == "maxLifetimeDays" ? "maxDays" : field] = message;
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

        if (await members.SetActiveAsync(db, HttpContext, Me.Caller, user, active, cancellationToken) is { } refused)
        {
            Errors["members"] = refused.Message;
            return await OnGetAsync(cancellationToken);
        }

        return LocalRedirect(active ? "/settings?done=enabled" : "/settings?done=disabled");
    }
}
