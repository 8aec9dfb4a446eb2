using System.CommandLine;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Commands;

internal static class ClustersCommand
{
    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var output = OutputFormat.Option();
        var list = new Command("list", "List the clusters you may use.") { output };
        list.Aliases.Add("ls");
        list.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await ListAsync(parse.GetValue(output)!, console, api, cancellationToken);
        });
        list.WithExamples("latchkey clusters list", "latchkey clusters list -o json");
        return new Command("clusters", "The Kubernetes clusters you may use, and how to wire them to Latchkey.")
            {
                list, ClusterWiringCommands.WebhookConfig(console, env), ClusterCredentialsCommand.Build(console, env), ClusterWiringCommands.Rbac(console, env),
            }
            .WithExamples("latchkey clusters list", "latchkey clusters webhook-config prod-1 --out-dir /etc/kubernetes",
                "latchkey clusters credentials list prod-1", "latchkey clusters rbac prod-1");
    }

    public static async Task<int> ListAsync(string format, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var clusters = await api.GetAsync("api/v1/clusters", CliJson.Default.ListClusterInfo, cancellationToken);
        if (!OutputFormat.TryWrite(console.Out, format, clusters, CliJson.Default.ListClusterInfo))
        {
            Table.Write(console.Out, ["NAME", "ZONE", "SERVER", "NAMESPACE"],
                clusters.Select(c => (IReadOnlyList<string>)[c.Name, c.Zone ?? "", c.Server, c.DefaultNamespace]));
        }

        return ExitCodes.Ok;
    }

    /// <summary>The cluster of that name among those the caller may use, or a clear error.</summary>
    public static async Task<ClusterInfo> FindAsync(ApiClient api, string name, CancellationToken cancellationToken) =>
        (await api.GetAsync("api/v1/clusters", CliJson.Default.ListClusterInfo, cancellationToken)).FirstOrDefault(c => c.Name == name)
        ?? throw new CliException($"No cluster named '{name}' exists that you may use. 'latchkey clusters list' shows yours.");
}
