using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.ClusterAuth;
using Latchkey.Server.Clusters;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages.Clusters;

/// <summary>
/// One cluster and how to wire it. The webhook files hold a new credential, so they are the direct
/// answer to a POST (like a token's reveal), shown once and kept by no cache. Its admins see the
/// cluster's webhook credentials and revoke them (after a confirmation page).
/// </summary>
internal sealed class DetailModel(LatchkeyDbContext db, ClusterRegistry registry, WebhookWiring wiring, WebhookCredentials credentials, TimeProvider time)
    : ConsolePageModel
{
    [BindProperty(SupportsGet = true, Name = "added")]
    public bool Added { get; set; }

    [BindProperty(SupportsGet = true, Name = "revoked")]
    public bool Revoked { get; set; }

    public Cluster Cluster { get; private set; } = null!;
    public WebhookConfig? Wiring { get; private set; }
    public IReadOnlyList<WebhookCredentialInfo> Credentials { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
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
        if (Wiring is null)
        {
            return NotFound();
        }

        await ListCredentialsAsync(name, cancellationToken);
        return Page();
    }

    private async Task<bool> FindAsync(string name, CancellationToken cancellationToken)
    {
        Cluster = (await registry.VisibleAsync(db, Me.Caller, cancellationToken)).SingleOrDefault(c => c.Name == name)!;
        if (Cluster is null)
        {
            return false;
        }

        await ListCredentialsAsync(name, cancellationToken);
        return true;
    }

    private async Task ListCredentialsAsync(string name, CancellationToken cancellationToken)
    {
        Now = time.GetUtcNow();
        Credentials = CanManage ? (await credentials.ListAsync(db, Me.Caller, name, cancellationToken)).Value ?? [] : [];
    }
}
