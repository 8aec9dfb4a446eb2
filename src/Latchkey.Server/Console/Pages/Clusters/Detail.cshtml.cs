using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.ClusterAuth;
using Latchkey.Server.Clusters;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages.Clusters;

/// <summary>
/// One cluster and how to wire it. The webhook files hold a new credential, so they are the direct
/// answer to a POST (like a token's reveal), shown once and kept by no cache.
/// </summary>
internal sealed class DetailModel(LatchkeyDbContext db, ClusterRegistry registry, WebhookWiring wiring) : ConsolePageModel
{
    [BindProperty(SupportsGet = true, Name = "added")]
    public bool Added { get; set; }

    public Cluster Cluster { get; private set; } = null!;
    public WebhookConfig? Wiring { get; private set; }
    public bool CanManage => Me.Rights.ManageClusters;
    public string Rbac => WebhookWiring.Rbac(Cluster.Name);

    public async Task<IActionResult> OnGetAsync(string name, CancellationToken cancellationToken) =>
        await FindAsync(name, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(string name, CancellationToken cancellationToken)
    {
        NoStore();
        if (!await FindAsync(name, cancellationToken))
        {
            return NotFound();
        }

        (Wiring, _) = await wiring.IssueAsync(db, HttpContext, Me.Caller, name, cancellationToken);
        return Wiring is null ? NotFound() : Page();
    }

    private async Task<bool> FindAsync(string name, CancellationToken cancellationToken)
    {
        Cluster = (await registry.VisibleAsync(db, Me.Caller, cancellationToken)).SingleOrDefault(c => c.Name == name)!;
        return Cluster is not null;
    }
}
