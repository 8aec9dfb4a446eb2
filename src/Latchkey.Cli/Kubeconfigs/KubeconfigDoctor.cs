using System.Diagnostics;
using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;
using Latchkey.Core.Tokens;
using YamlDotNet.RepresentationModel;

namespace Latchkey.Cli.Kubeconfigs;

/// <summary>One thing <c>latchkey kubeconfig check</c> found, with what to do about it.</summary>
internal sealed record Finding(string File, string Problem, string Fix);

/// <summary>
/// Looks for the ways a kubeconfig leaks or breaks: who can read it, whether git could commit it,
/// broken references, tokens that no longer work or soon will not, one token in several places,
/// and secrets kept in the file where the exec form would keep none.
/// </summary>
internal static class KubeconfigDoctor
{
    public static readonly TimeSpan NearExpiry = TimeSpan.FromDays(7);
    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public static IEnumerable<Finding> CheckFile(string path)
    {
        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOthers) != 0)
        {
            yield return new Finding(path, $"other users can read it (mode {Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0')}).", $"chmod 600 {path}");
        }

        if (GitStatus(path) is { } git)
        {
            yield return new Finding(path, git, $"add it to .gitignore (and 'git rm --cached' it if it was committed), or move it out of the repository.");
        }
    }

    public static IEnumerable<Finding> CheckEntries(IReadOnlyList<(string File, Kubeconfig Config)> files)
    {
        var clusters = files.SelectMany(f => f.Config.Entries(KubeconfigSection.Clusters)).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var users = new Dictionary<string, (string File, KubeconfigEntry Entry)>(StringComparer.Ordinal);
        foreach (var (file, config) in files)
        {
            foreach (var user in config.Entries(KubeconfigSection.Users))
            {
                users.TryAdd(user.Name, (file, user));
            }
        }

        var contextsByToken = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (file, config) in files)
        {
            foreach (var context in config.Entries(KubeconfigSection.Contexts))
            {
                if (context["cluster"] is { } cluster && !clusters.Contains(cluster))
                {
                    yield return new Finding(file, $"context '{context.Name}' uses cluster '{cluster}', which is in no file.",
                        $"kubectl config delete-context {context.Name}, or add the cluster back.");
                }

                if (context["user"] is not { } userName)
                {
                    continue;
                }

                if (!users.TryGetValue(userName, out var user))
                {
                    yield return new Finding(file, $"context '{context.Name}' uses user '{userName}', which is in no file.",
                        $"kubectl config delete-context {context.Name}, or add the user back.");
                }
                else if (user.Entry["token"] is { Length: > 0 } token)
                {
                    ListFor(contextsByToken, token).Add(context.Name);
                }
            }
        }

        foreach (var contexts in contextsByToken.Values.Where(c => c.Count > 1))
        {
            yield return new Finding(files[0].File, $"one token is shared by the contexts {string.Join(", ", contexts.Select(c => $"'{c}'"))}.",
                "give each context its own token ('latchkey kubeconfig get CLUSTER --name NAME'), so that each can be revoked alone.");
        }

        foreach (var (name, (file, entry)) in users)
        {
            if (entry["token"] is { Length: > 0 } token && (TokenFormat.IsWellFormed(token) || KubeconfigNames.TokenIdOf(name) is not null))
            {
                yield return new Finding(file, $"user '{name}' keeps a Latchkey token in the file.",
                    "use the exec form, which keeps no secret: 'latchkey kubeconfig get CLUSTER --exec', then 'latchkey kubeconfig remove CONTEXT --revoke'.");
            }

            if (ChainFindings.ExecCluster(entry) is { } cluster && !IsTrue(YamlNodes.Get(entry.Body!, "exec") is YamlMappingNode exec ? YamlNodes.GetString(exec, "provideClusterInfo") : null))
            {
                // Without it kubectl does not say which server it is about to call, so 'latchkey credential' cannot refuse a foreign one.
                yield return new Finding(file, $"user '{name}' runs 'latchkey credential' without 'provideClusterInfo: true', so it cannot check which server kubectl sends the credential to.",
                    $"add 'provideClusterInfo: true' under its exec, or write it again ('latchkey kubeconfig remove CONTEXT', then 'latchkey kubeconfig get {cluster} --exec').");
            }
        }
    }

    /// <summary>Latchkey tokens (by the id in their user name) that the server says are revoked, expired, or expire within a week.</summary>
    public static IEnumerable<Finding> CheckTokens(IReadOnlyList<(string File, Kubeconfig Config)> files, IReadOnlyDictionary<string, TokenInfo> known, DateTimeOffset now)
    {
        foreach (var (file, config) in files)
        {
            foreach (var user in config.Entries(KubeconfigSection.Users))
            {
                if (KubeconfigNames.TokenIdOf(user.Name) is not { } id || !known.TryGetValue(id, out var token))
                {
                    continue;
                }

                var problem = token.Status switch
                {
                    TokenStatus.Revoked => $"user '{user.Name}' holds token {id}, which is revoked.",
                    TokenStatus.Expired => $"user '{user.Name}' holds token {id}, which has expired.",
                    _ when token.ExpiresAt - now < NearExpiry => $"user '{user.Name}' holds token {id}, which expires {token.ExpiresAt:yyyy-MM-dd HH:mm} UTC.",
                    _ => null,
                };
                if (problem is not null)
                {
                    yield return new Finding(file, problem, "get a new one ('latchkey kubeconfig get CLUSTER --exec' needs no renewal) and remove this context ('latchkey kubeconfig remove CONTEXT').");
                }
            }
        }
    }

    private static bool IsTrue(string? value) => value is "true" or "True" or "TRUE";

    public static IEnumerable<string> TokenIds(IEnumerable<Kubeconfig> configs) =>
        configs.SelectMany(c => c.Entries(KubeconfigSection.Users)).Select(u => KubeconfigNames.TokenIdOf(u.Name)).OfType<string>().Distinct(StringComparer.Ordinal);

    private static List<string> ListFor(Dictionary<string, List<string>> map, string key) =>
        map.TryGetValue(key, out var list) ? list : map[key] = [];

    /// <summary>Why git could commit the file, or null. Only paths are passed to git, never anything from the file.</summary>
    private static string? GitStatus(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (Git(folder, "rev-parse", "--is-inside-work-tree") is not (0, "true"))
        {
            return null;
        }

        if (Git(folder, "ls-files", "--error-unmatch", "--", path) is (0, _))
        {
            return "it is committed to the git repository around it.";
        }

        return Git(folder, "check-ignore", "-q", "--", path) is (0, _) ? null : "it is inside a git work tree and not ignored: one 'git add .' commits it.";
    }

    private static (int ExitCode, string Output)? Git(string folder, params string[] args)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var git = Process.Start(start)!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.StandardError.ReadToEnd();
            git.WaitForExit();
            return (git.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No git on this machine: no repository can commit the file either.
            return null;
        }
    }
}
