using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;
using YamlDotNet.RepresentationModel;

namespace Latchkey.Cli.Kubeconfigs;

/// <summary>
/// What the doctor finds across the files of the chain, by kubectl's rule (the first file that
/// defines a name wins): entries that another file hides, and Latchkey credentials that kubectl
/// would send to a server other than the one Latchkey registered.
/// </summary>
internal static class ChainFindings
{
    public static IEnumerable<Finding> Shadowed(IReadOnlyList<(string File, Kubeconfig Config)> files)
    {
        foreach (var section in Enum.GetValues<KubeconfigSection>())
        {
            var first = new Dictionary<string, (string File, KubeconfigEntry Entry)>(StringComparer.Ordinal);
            foreach (var (file, config) in files)
            {
                foreach (var entry in config.Entries(section))
                {
                    if (!first.TryGetValue(entry.Name, out var winner))
                    {
                        first[entry.Name] = (file, entry);
                    }
                    else if (!YamlNodes.SameMeaning(winner.Entry.Node, entry.Node))
                    {
                        yield return new Finding(file, $"{Kind(section)} '{entry.Name}' is also defined in {winner.File}, which kubectl reads first: "
                            + $"this file's entry is never used{Servers(section, winner.Entry, entry)}.",
                            "give one of them another name (kubectl config rename-context, or 'latchkey kubeconfig get CLUSTER --alias NAME --user-alias NAME'), or delete the one you do not want.");
                    }
                }
            }
        }
    }

    /// <summary>Contexts whose Latchkey user would go, as kubectl reads the chain, to a server that is not the registered one.</summary>
    public static IEnumerable<Finding> ForeignServers(IReadOnlyList<(string File, Kubeconfig Config)> files, IReadOnlyList<ClusterInfo> registered)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (file, config) in files)
        {
            foreach (var context in config.Entries(KubeconfigSection.Contexts))
            {
                if (!seen.Add(context.Name) || context["user"] is not { } userName || context["cluster"] is not { } clusterName
                    || First(files, KubeconfigSection.Users, userName) is not { } user)
                {
                    continue;
                }

                var latchkeyCluster = ExecCluster(user.Entry) ?? (KubeconfigNames.TokenIdOf(userName) is not null ? clusterName : null);
                if (latchkeyCluster is null || registered.FirstOrDefault(c => c.Name == latchkeyCluster) is not { } known)
                {
                    continue;
                }

                var effective = First(files, KubeconfigSection.Clusters, clusterName);
                var server = effective?.Entry["server"];
                if (!ClusterServer.Same(server, known.Server))
                {
                    yield return new Finding(effective?.File ?? file,
                        $"context '{context.Name}' gives a Latchkey credential for {known.Name} to {server ?? "no server"} (cluster '{clusterName}' as kubectl reads it{(effective is null ? "" : $" from {effective.Value.File}")}), "
                        + $"not to {known.Server}, the server Latchkey registered.",
                        $"delete or rename the foreign cluster entry, or 'latchkey kubeconfig remove {context.Name}' and get it again with --alias.");
                }
            }
        }
    }

    /// <summary>The Latchkey cluster an exec user asks credentials for (<c>latchkey credential --cluster NAME</c>), or null.</summary>
    public static string? ExecCluster(KubeconfigEntry user)
    {
        if (user.Body is null || YamlNodes.Get(user.Body, "exec") is not YamlMappingNode exec
            || YamlNodes.GetString(exec, "command") is not { } command || Path.GetFileNameWithoutExtension(command) != KubeconfigTemplates.ExecCommand
            || YamlNodes.Get(exec, "args") is not YamlSequenceNode args)
        {
            return null;
        }

        var values = args.Children.OfType<YamlScalarNode>().Select(a => a.Value).ToList();
        var at = values.IndexOf("--cluster");
        return values.Contains("credential") && at >= 0 && at + 1 < values.Count ? values[at + 1] : null;
    }

    private static (string File, KubeconfigEntry Entry)? First(IReadOnlyList<(string File, Kubeconfig Config)> files, KubeconfigSection section, string name)
    {
        foreach (var (file, config) in files)
        {
            if (config.Find(section, name) is { } entry)
            {
                return (file, entry);
            }
        }

        return null;
    }

    private static string Servers(KubeconfigSection section, KubeconfigEntry winner, KubeconfigEntry hidden) =>
        section == KubeconfigSection.Clusters && winner["server"] != hidden["server"]
            ? $" (kubectl uses {winner["server"] ?? "no server"}, not {hidden["server"] ?? "none"})"
            : "";

    private static string Kind(KubeconfigSection section) => section switch
    {
        KubeconfigSection.Clusters => "cluster",
        KubeconfigSection.Contexts => "context",
        _ => "user",
    };
}
