using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.ClusterAuth;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages.Clusters;

/// <summary>The confirmation step before a webhook credential is revoked (clusters:manage); anything else is a 404.</summary>
internal sealed class RevokeCredentialModel(LatchkeyDbContext db, WebhookCredentials credentials) : ConsolePageModel
{
    public string Name { get; private set; } = "";
    public WebhookCredentialInfo Credential { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string name, Guid id, CancellationToken cancellationToken)
    {
        Name = name;
        var listed = (await credentials.ListAsync(db, Me.Caller, name, cancellationToken)).Value;
        Credential = listed?.SingleOrDefault(c => c.Id == id && c.Status != "revoked")!;
        return Credential is null ? NotFound() : Page();
    }

    public async Task<IActionResult> OnPostAsync(string name, Guid id, CancellationToken cancellationToken) =>
        await credentials.RevokeAsync(db, HttpContext, Me.Caller, name, id, cancellationToken) is null
            ? LocalRedirect($"/clusters/{Uri.EscapeDataString(name)}?revoked=true")
            : NotFound();
}
