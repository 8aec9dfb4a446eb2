using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Cli.Kubeconfigs;

/// <summary>One file of the chain, as it was read.</summary>
internal sealed record ChainFile(string Path, Kubeconfig Config);

/// <summary>
/// The kubeconfig files kubectl reads together (<c>KUBECONFIG</c>, else <c>~/.kube/config</c>) as
/// one view, with kubectl's rule: the first file that defines a name wins, and the current context
/// is that of the first file that sets one. A file outside the chain (written with
/// <c>--kubeconfig</c> to a path kubectl does not read by default) is a chain of its own.
/// </summary>
internal sealed class KubeconfigChain
{
    private KubeconfigChain(IReadOnlyList<ChainFile> files) => Files = files;

    public IReadOnlyList<ChainFile> Files { get; }

    /// <summary>Whether kubectl reads these files without <c>--kubeconfig</c>.</summary>
    public bool IsDefault { get; private init; }

    /// <summary>The chain that <paramref name="target"/> belongs to, every file read now.</summary>
    public static KubeconfigChain Around(string target, CliEnvironment env)
    {
        var chain = KubeconfigLocation.Sources(null, env);
        var full = Path.GetFullPath(target);
        var inChain = chain.Any(p => Path.GetFullPath(p) == full);
        return new KubeconfigChain([.. (inChain ? chain : [target]).Select(p => new ChainFile(p, KubeconfigFile.Load(p)))]) { IsDefault = inChain };
    }

    /// <summary>The files kubectl reads by default, or <paramref name="explicitPath"/> alone.</summary>
    public static KubeconfigChain Read(string? explicitPath, CliEnvironment env) => explicitPath is null
        ? new KubeconfigChain([.. KubeconfigLocation.Sources(null, env).Select(p => new ChainFile(p, KubeconfigFile.Load(p)))]) { IsDefault = true }
        : Around(explicitPath, env);

    /// <summary>The current context kubectl uses, and the file it comes from.</summary>
    public (string Name, string File)? CurrentContext =>
        Files.FirstOrDefault(f => !string.IsNullOrEmpty(f.Config.CurrentContext)) is { } file ? (file.Config.CurrentContext!, file.Path) : null;

    /// <summary>The entry kubectl uses for that name, and its file.</summary>
    public (KubeconfigEntry Entry, string File)? Find(KubeconfigSection section, string name)
    {
        foreach (var file in Files)
        {
            if (file.Config.Find(section, name) is { } entry)
            {
                return (entry, file.Path);
            }
        }

        return null;
    }

    /// <summary>
    /// Refuses <paramref name="planned"/> when any file of the chain already uses one of its names for
    /// something else: kubectl would then use one of the two for both, and a token could go to a
    /// server its owner never chose.
    /// </summary>
    public void CheckFree(Kubeconfig planned)
    {
        var conflicts = new List<string>();
        foreach (var section in Enum.GetValues<KubeconfigSection>())
        {
            foreach (var entry in planned.Entries(section))
            {
                foreach (var file in Files)
                {
                    if (file.Config.Find(section, entry.Name) is { } existing && !YamlNodes.SameMeaning(existing.Node, entry.Node))
                    {
                        conflicts.Add(Describe(file.Path, existing, entry));
                    }
                }
            }
        }

        if (conflicts.Count > 0)
        {
            var rule = Files.Count > 1 ? " kubectl reads every file of KUBECONFIG and uses the first entry of each name, so the two would be mixed up." : "";
            throw new KubeconfigConflictException(
                $"{string.Join(" ", conflicts)}{rule} Nothing was changed: choose free names with --alias NAME (the context and its cluster) and --user-alias NAME (the user), "
                + "or remove the existing entry.");
        }
    }

    private static string Describe(string file, KubeconfigEntry existing, KubeconfigEntry incoming) => existing.Section switch
    {
        KubeconfigSection.Clusters => existing["server"] == incoming["server"]
            ? $"{file} already defines a cluster named '{existing.Name}' for the same server with other settings (such as its certificate authority)."
            : $"{file} already defines a cluster named '{existing.Name}' for another server ({existing["server"] ?? "none"}, not {incoming["server"]}).",
        KubeconfigSection.Contexts =>
            $"{file} already defines a context named '{existing.Name}' (cluster '{existing["cluster"]}', user '{existing["user"]}').",
        _ when ChainFindings.ExecCluster(existing) is { } cluster && cluster == ChainFindings.ExecCluster(incoming) =>
            $"{file} already defines user '{existing.Name}' as an older Latchkey exec entry for {cluster}: remove it first ('latchkey kubeconfig remove CONTEXT' for the context that uses it).",
        // Never describe credentials: the difference may be a token.
        _ => $"{file} already defines a user named '{existing.Name}' with other credentials.",
    };
}
