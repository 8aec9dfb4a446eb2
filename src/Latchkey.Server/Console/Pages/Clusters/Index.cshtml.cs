using Latchkey.Data;
using Latchkey.Server.Clusters;

namespace Latchkey.Server.Console.Pages.Clusters;

internal sealed class IndexModel(LatchkeyDbContext db, ClusterRegistry registry) : ConsolePageModel
{
    public List<Cluster> Clusters { get; private set; } = [];
    public bool CanManage => Me.Rights.ManageClusters;

    public async Task OnGetAsync(CancellationToken cancellationToken) => Clusters = await registry.VisibleAsync(db, Me.Caller, cancellationToken);
}
