using System.CommandLine;
using Latchkey.Cli.Kubeconfigs;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Cli.Commands;

internal static class KubeconfigGetCommand
{
    internal sealed record Options(string Cluster, string? TokenName, string? Expires, bool Exec, string Path, bool SetCurrentContext, bool DryRun);

    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var cluster = new Argument<string>("cluster") { Description = "The cluster (from 'latchkey clusters list')." };
        var name = new Option<string?>("--name", "-n") { Description = "Name of the new token; the context is named <cluster>-<name> (default: this machine's name).", HelpName = "token-name" };
        var expires = new Option<string?>("--expires") { Description = Expiration.Help, HelpName = "when" };
        var exec = new Option<bool>("--exec") { Description = "Write the exec form: kubectl runs 'latchkey credential' for a short-lived token; the file holds no secret." };
        var file = KubeconfigCommand.FileOption();
        var setCurrent = new Option<bool>("--set-current-context") { Description = "Make the new context the current one (it is anyway when the file had none)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Say what would be added; create no token and change no file." };
        var command = new Command("get", "Add a kubeconfig entry for a cluster to your kubeconfig file, with a new token or in the exec form.")
        {
            cluster, name, expires, exec, file, setCurrent, dryRun,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new Options(parse.GetValue(cluster)!, parse.GetValue(name), parse.GetValue(expires), parse.GetValue(exec),
                KubeconfigLocation.Target(parse.GetValue(file), env), parse.GetValue(setCurrent), parse.GetValue(dryRun));
            using var api = CliConfig.Connect(env);
            return await RunAsync(options, console, env, api, cancellationToken);
        });
        return command.WithExamples(
            "latchkey kubeconfig get prod-1 --exec",
            "latchkey kubeconfig get prod-1 --name laptop --expires 30d --set-current-context",
            "latchkey kubeconfig get prod-1 --kubeconfig ./prod.kubeconfig --dry-run");
    }

    public static async Task<int> RunAsync(Options options, CliConsole console, CliEnvironment env, ApiClient api, CancellationToken cancellationToken)
    {
        if (options.Exec && (options.TokenName is not null || options.Expires is not null))
        {
            throw new UsageException("--name and --expires do not apply with --exec: the exec form gets a short-lived token at each use.");
        }

        // Read the file and check the names before anything is created on the server.
        KubeconfigFile.CheckWritable(options.Path);
        var cluster = await ClustersCommand.FindAsync(api, options.Cluster, cancellationToken);
        var tokenName = options.TokenName ?? Environment.MachineName.ToLowerInvariant();
        var planned = options.Exec ? KubeconfigTemplates.WithExec(cluster) : KubeconfigTemplates.WithToken(cluster, "<new-token-id>", tokenName, "<secret>");
        var preview = KubeconfigMerge.Merge(KubeconfigFile.Load(options.Path), planned, options.SetCurrentContext);
        if (options.DryRun)
        {
            console.Out.WriteLine($"Dry run: would {(options.Exec ? "" : $"create token \"{tokenName}\" and ")}add to {options.Path}: {Describe(preview)}. Nothing was changed.");
            return ExitCodes.Ok;
        }

        if (options.Exec)
        {
            var added = await KubeconfigFile.UpdateAsync(options.Path, c => KubeconfigMerge.Merge(c, planned, options.SetCurrentContext), cancellationToken);
            Report(console, options.Path, added, KubeconfigNames.ExecContext(cluster.Name));
            console.Out.WriteLine($"kubectl runs 'latchkey credential --cluster {cluster.Name}' for a one-hour token; the file holds no secret.");
            return ExitCodes.Ok;
        }

        var request = Expiration.Apply(
            new CreateTokenRequest(tokenName, $"kubeconfig for cluster {cluster.Name}, written by 'latchkey kubeconfig get'", Kubeconfig: new KubeconfigRequest(cluster.Name)),
            options.Expires, env.Time.GetUtcNow());
        var created = await api.PostAsync("api/v1/tokens", request, CliJson.Default.CreateTokenRequest, CliJson.Default.CreatedToken, cancellationToken);
        MergeResult result;
        try
        {
            var incoming = Kubeconfig.Parse(created.Kubeconfig ?? "", "the server's kubeconfig");
            result = await KubeconfigFile.UpdateAsync(options.Path, c => KubeconfigMerge.Merge(c, incoming, options.SetCurrentContext), cancellationToken);
        }
        catch (Exception e) when (e is KubeconfigException or CliException)
        {
            // The secret is in no file: a token nobody can use must not stay valid.
            try
            {
                await api.DeleteAsync($"api/v1/tokens/{ApiClient.Segment(created.Id)}", cancellationToken);
            }
            catch (CliException revoke)
            {
                throw new CliException($"{e.Message} The new token {created.Id} could not be revoked ({revoke.Message}): delete it with 'latchkey tokens delete {created.Id}'.");
            }

            throw new CliException($"{e.Message} The new token {created.Id} was revoked again.");
        }

        Report(console, options.Path, result, KubeconfigNames.Context(cluster.Name, created.Name));
        console.Out.WriteLine($"Token {created.Id} (\"{created.Name}\") {(created.ExpiresAt is null ? "never expires" : $"expires {Table.Time(created.ExpiresAt)} UTC")}; 'latchkey kubeconfig remove CONTEXT --revoke' removes it.");
        return ExitCodes.Ok;
    }

    private static void Report(CliConsole console, string path, MergeResult result, string context)
    {
        console.Out.WriteLine(result.Added.Count == 0
            ? $"{path} already had these entries: {Describe(result)}."
            : $"Added to {path}: {Describe(result)}.");
        console.Out.WriteLine(result.CurrentContext == context
            ? $"Current context: {context}."
            : $"Use it with 'kubectl --context {context} get pods', or make it current with 'kubectl config use-context {context}'.");
    }

    private static string Describe(MergeResult result) => string.Join(", ",
        result.Added.Select(e => $"{Singular(e.Section)} {e.Name}").Concat(result.Unchanged.Select(e => $"{Singular(e.Section)} {e.Name} (already there)")));

    private static string Singular(KubeconfigSection section) => section switch
    {
        KubeconfigSection.Clusters => "cluster",
        KubeconfigSection.Contexts => "context",
        _ => "user",
    };
}
