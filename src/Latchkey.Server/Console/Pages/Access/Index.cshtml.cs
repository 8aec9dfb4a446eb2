using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Console.Pages.Access;

/// <summary>What a member may do and where: one's own, or anyone's for those who manage members.</summary>
internal sealed class IndexModel(LatchkeyDbContext db, EffectiveAccessReader reader) : ConsolePageModel
{
    public User Person { get; private set; } = null!;
    public IReadOnlyList<AccessGrant> Grants { get; private set; } = [];
    public bool IsMe => Person.Id == Me.Caller.UserId;

    public async Task<IActionResult> OnGetAsync(Guid? id, CancellationToken cancellationToken)
    {
        var userId = id ?? Me.Caller.UserId;
        if (userId != Me.Caller.UserId && !Me.Rights.ManageMembers)
        {
            return NotFound();
        }

        var person = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId && u.OrganizationId == Me.Caller.OrganizationId, cancellationToken);
        if (person is null)
        {
            return NotFound();
        }

        Person = person;
        Grants = person.IsActive ? await reader.ReadAsync(db, person.OrganizationId, person.Id, null, cancellationToken) : [];
        return Page();
    }

    public static string Where(AccessScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return scope.Type == "organization" ? "Whole organization" : $"{(scope.Type == "vpc" ? "VPC" : "Cluster")} {scope.Name}";
    }
}
