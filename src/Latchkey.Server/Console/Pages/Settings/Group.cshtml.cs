using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages.Settings;

/// <summary>One group (iam:manage): its members, renaming and deleting it.</summary>
internal sealed class GroupModel(LatchkeyDbContext db, GroupRegistry registry, Members members) : ConsolePageModel
{
    [BindProperty]
    public string? Name { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public GroupInfo Group { get; private set; } = null!;

    /// <summary>Members of the organization who are not in the group yet.</summary>
    public List<MemberInfo> Candidates { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!Me.Rights.ManageMembers || (await GroupRegistry.ListAsync(db, Me.Caller, cancellationToken, id)).SingleOrDefault() is not { } group)
        {
            return NotFound();
        }

        Group = group;
        var inGroup = group.Members.Select(m => m.Id).ToHashSet();
        Candidates = [.. (await members.ListAsync(db, Me.Caller, cancellationToken)).Where(m => !inGroup.Contains(m.Id))];
        return Page();
    }

    public Task<IActionResult> OnPostRenameAsync(Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(id, "renamed", () => registry.RenameAsync(db, HttpContext, Me.Caller, id, Name, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostAddAsync(Guid id, Guid? user, CancellationToken cancellationToken)
    {
        if (user is null)
        {
            Errors["user"] = "Choose the member to add.";
            return OnGetAsync(id, cancellationToken);
        }

        return ChangeAsync(id, "added", () => registry.AddMemberAsync(db, HttpContext, Me.Caller, id, user.Value, cancellationToken), cancellationToken);
    }

    public Task<IActionResult> OnPostRemoveAsync(Guid id, Guid user, CancellationToken cancellationToken) =>
        ChangeAsync(id, "removed", () => registry.RemoveMemberAsync(db, HttpContext, Me.Caller, id, user, cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, bool confirm, CancellationToken cancellationToken)
    {
        if (!Me.Rights.ManageMembers)
        {
            return NotFound();
        }

        if (!confirm)
        {
            Errors["confirm"] = "Tick the box to confirm that the group and its access policies should be deleted.";
            return await OnGetAsync(id, cancellationToken);
        }

        var outcome = await registry.DeleteAsync(db, HttpContext, Me.Caller, id, cancellationToken);
        return outcome.Value is not null ? LocalRedirect("/settings/groups?done=deleted") : await RefusedAsync(id, outcome.Refused!, cancellationToken);
    }

    private async Task<IActionResult> ChangeAsync(Guid id, string done, Func<Task<Outcome<Latchkey.Data.Group>>> change, CancellationToken cancellationToken)
    {
        if (!Me.Rights.ManageMembers)
        {
            return NotFound();
        }

        var outcome = await change();
        return outcome.Value is not null ? LocalRedirect($"/settings/groups/{id}?done={done}") : await RefusedAsync(id, outcome.Refused!, cancellationToken);
    }

    /// <summary>A refusal on this page: the page again with the message beside its field (or above the page).</summary>
    private async Task<IActionResult> RefusedAsync(Guid id, Refused refused, CancellationToken cancellationToken)
    {
        if (refused.Kind is Refusal.Forbidden)
        {
            return NotFound();
        }

        // A group that is gone is a 404 from the page itself.
        Errors[refused.Field ?? ""] = refused.Message;
        return await OnGetAsync(id, cancellationToken);
    }
}
