namespace Latchkey.Core.Kubeconfigs;

/// <summary>What a merge did: the entries it added and those that were already there with the same content.</summary>
public sealed record MergeResult(IReadOnlyList<KubeconfigEntry> Added, IReadOnlyList<KubeconfigEntry> Unchanged, string? CurrentContext);

/// <summary>
/// Merges one kubeconfig into another without ever replacing an entry. A name that is free is
/// added; a name that holds the same content is left alone; a name that holds something else is
/// a conflict, and then nothing at all is changed: renaming an entry silently would leave
/// contexts pointing at credentials or servers their owner did not choose.
/// </summary>
public static class KubeconfigMerge
{
    public static MergeResult Merge(Kubeconfig target, Kubeconfig incoming, bool setCurrentContext)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(incoming);
        var added = new List<KubeconfigEntry>();
        var unchanged = new List<KubeconfigEntry>();
        var conflicts = new List<string>();
        foreach (var section in Enum.GetValues<KubeconfigSection>())
        {
            foreach (var entry in incoming.Entries(section))
            {
                var existing = target.Find(section, entry.Name);
                if (existing is null)
                {
                    added.Add(entry);
                }
                else if (YamlNodes.SameMeaning(existing.Node, entry.Node))
                {
                    unchanged.Add(entry);
                }
                else
                {
                    conflicts.Add(DescribeConflict(existing, entry));
                }
            }
        }

        if (conflicts.Count > 0)
        {
            throw new KubeconfigConflictException(
                $"{string.Join(" ", conflicts)} Nothing was changed: rename or remove the existing entry (kubectl config rename-context / delete-context / delete-cluster / delete-user), or write to another file.");
        }

        foreach (var entry in added)
        {
            target.Add(entry);
        }

        if (incoming.CurrentContext is { } current && (setCurrentContext || target.CurrentContext is null))
        {
            target.CurrentContext = current;
        }

        return new MergeResult(added, unchanged, target.CurrentContext);
    }

    private static string DescribeConflict(KubeconfigEntry existing, KubeconfigEntry incoming) => existing.Section switch
    {
        KubeconfigSection.Clusters => existing["server"] == incoming["server"]
            ? $"The file already has a cluster named '{existing.Name}' for the same server with other settings (such as its certificate authority)."
            : $"The file already has a cluster named '{existing.Name}' with another server ({existing["server"] ?? "none"}, not {incoming["server"]}).",
        KubeconfigSection.Contexts =>
            $"The file already has a context named '{existing.Name}' (cluster '{existing["cluster"]}', user '{existing["user"]}').",
        // Never describe credentials: the difference may be a token.
        _ => $"The file already has a user named '{existing.Name}' with other credentials.",
    };
}
