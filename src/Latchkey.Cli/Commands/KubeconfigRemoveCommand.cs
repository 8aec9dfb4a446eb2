using System.CommandLine;
using Latchkey.Cli.Kubeconfigs;
using Latchkey.Cli.Output;
using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Cli.Commands;

internal static class KubeconfigRemoveCommand
{
    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var context = new Argument<string>("context") { Description = "The context to remove (from 'latchkey kubeconfig list')." };
        var revoke = new Option<bool>("--revoke") { Description = "Also delete its Latchkey token on the server, so that copies of it stop working." };
        var file = KubeconfigCommand.FileOption();
        var command = new Command("remove", "Remove a context, and its user and cluster when no other context uses them.") { context, revoke, file };
        command.Aliases.Add("rm");
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = parse.GetValue(revoke) ? CliConfig.Connect(env) : null;
            var name = parse.GetValue(context)!;
            var holder = Holder(name, parse.GetValue(file), env);
            var others = KubeconfigChain.Around(holder, env).Files.Where(f => Path.GetFullPath(f.Path) != Path.GetFullPath(holder)).Select(f => f.Config).ToList();
            return await RunAsync(name, holder, console, api, cancellationToken, others);
        });
        return command.WithExamples("latchkey kubeconfig remove prod-1-laptop", "latchkey kubeconfig remove prod-1-laptop --revoke");
    }

    /// <summary>The file that holds the context kubectl uses under that name: <c>--kubeconfig</c>, else the first file of the chain that defines it.</summary>
    private static string Holder(string context, string? explicitPath, CliEnvironment env)
    {
        if (explicitPath is not null)
        {
            return explicitPath;
        }

        var chain = KubeconfigChain.Read(null, env);
        return chain.Find(KubeconfigSection.Contexts, context)?.File
            ?? throw new CliException($"There is no context named '{context}' in {string.Join(", ", chain.Files.Select(f => f.Path))}. 'latchkey kubeconfig list' shows them.");
    }

    /// <summary>
    /// Removes <paramref name="context"/>; with an <paramref name="api"/>, revokes its token first (so a failed revocation leaves the file as it was).
    /// A user or cluster that a context in one of the <paramref name="others"/> (the rest of the chain) still names is kept.
    /// </summary>
    public static async Task<int> RunAsync(string context, string path, CliConsole console, ApiClient? api, CancellationToken cancellationToken,
        IReadOnlyList<Kubeconfig>? others = null)
    {
        var elsewhere = (others ?? []).SelectMany(c => c.Entries(KubeconfigSection.Contexts)).ToList();
        var entry = KubeconfigFile.Load(path).Find(KubeconfigSection.Contexts, context)
            ?? throw new CliException($"There is no context named '{context}' in {path}. 'latchkey kubeconfig list' shows them.");
        var user = entry["user"];
        var cluster = entry["cluster"];
        string? revoked = null;
        if (api is not null)
        {
            revoked = (user is null ? null : KubeconfigNames.TokenIdOf(user))
                ?? throw new CliException($"Context '{context}' does not hold a Latchkey token, so there is nothing to revoke. Run again without --revoke.");
            var sharing = KubeconfigFile.Load(path).Entries(KubeconfigSection.Contexts).Concat(elsewhere)
                .Where(c => c.Name != context && c["user"] == user).Select(c => c.Name).Distinct(StringComparer.Ordinal).ToList();
            if (sharing.Count > 0)
            {
                throw new CliException($"Its token is also used by {string.Join(", ", sharing)}; revoking it would break those too. Remove them first, or run without --revoke.");
            }

            await api.DeleteAsync($"api/v1/tokens/{ApiClient.Segment(revoked)}", cancellationToken);
        }

        var (userRemoved, clusterRemoved) = await KubeconfigFile.UpdateAsync(path, config =>
        {
            config.Remove(KubeconfigSection.Contexts, context);
            var rest = config.Entries(KubeconfigSection.Contexts).Concat(elsewhere).ToList();
            var userGone = user is not null && rest.All(c => c["user"] != user) && config.Remove(KubeconfigSection.Users, user);
            var clusterGone = cluster is not null && rest.All(c => c["cluster"] != cluster) && config.Remove(KubeconfigSection.Clusters, cluster);
            if (config.CurrentContext == context)
            {
                config.CurrentContext = null;
            }

            return (userGone, clusterGone);
        }, cancellationToken);

        var also = new[] { userRemoved ? $"user {user}" : null, clusterRemoved ? $"cluster {cluster}" : null }.OfType<string>().ToList();
        console.Out.WriteLine($"Removed context {context}{(also.Count == 0 ? "" : $" and its {string.Join(" and ", also)}")} from {path}.");
        if (revoked is not null)
        {
            console.Out.WriteLine($"Token {revoked} is revoked: copies of it no longer work.");
        }

        return ExitCodes.Ok;
    }
}
