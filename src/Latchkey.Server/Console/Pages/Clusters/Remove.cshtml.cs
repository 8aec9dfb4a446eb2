using Latchkey.Data;
using Latchkey.Server.Clusters;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages.Clusters;

/// <summary>The confirmation step before a cluster is removed (clusters:manage).</summary>
internal sealed class RemoveModel(LatchkeyDbContext db, ClusterRegistry registry) : ConsolePageModel
{
    public string Name { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string name, CancellationToken cancellationToken)
    {
        Name = name;
        return Me.Rights.ManageClusters && (await registry.VisibleAsync(db, Me.Caller, cancellationToken)).Any(c => c.Name == name) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostAsync(string name, CancellationToken cancellationToken)
    {
        var change = await registry.RemoveAsync(db, HttpContext, Me.Caller, name, cancellationToken);
        return change.Cluster is null ? NotFound() : LocalRedirect("/clusters");
    }
}
