using System.Text;
using Latchkey.Data;
using Latchkey.Server.Kubeconfigs;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages.Tokens;

/// <summary>The reveal's download: POST only, so the secret travels in a body, never in a URL.</summary>
internal sealed class KubeconfigModel(LatchkeyDbContext db, KubeconfigDownload downloads) : ConsolePageModel
{
    [BindProperty]
    public string? Secret { get; set; }

    [BindProperty]
    public string? Cluster { get; set; }

    public IActionResult OnGet() => NotFound();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        NoStore();
        var file = await downloads.BuildAsync(db, HttpContext, Me.Caller, Secret, Cluster, cancellationToken);
        return file is var (name, content) ? File(Encoding.UTF8.GetBytes(content), "application/yaml", name) : NotFound();
    }
}
