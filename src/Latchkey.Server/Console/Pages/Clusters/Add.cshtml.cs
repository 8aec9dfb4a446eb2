using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Clusters;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages.Clusters;

/// <summary>Registering a cluster (clusters:manage), by the same rules as the API.</summary>
internal sealed class AddModel(LatchkeyDbContext db, ClusterRegistry registry) : ConsolePageModel
{
    [BindProperty]
    public CreateClusterRequest Cluster { get; set; } = new(null, null);

    public IActionResult OnGet() => Me.Rights.ManageClusters ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!Me.Rights.ManageClusters)
        {
            return NotFound();
        }

        var change = await registry.CreateAsync(db, HttpContext, Me.Caller, Cluster, cancellationToken);
        if (change.Cluster is { } created)
        {
            return LocalRedirect($"/clusters/{created.Name}?added=true");
        }

        if (change.Refusal == ClusterRefusal.Forbidden)
        {
            return NotFound();
        }

        Errors[change.Field ?? ""] = change.Message!;
        return Page();
    }
}
