using System.CommandLine;
using Latchkey.Cli.Kubeconfigs;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Cli.Commands;

internal static class KubeconfigGetCommand
{
    internal sealed record Options(string Cluster, string? TokenName, string? Expires, bool Exec, string Path, bool SetCurrentContext, bool DryRun,
        string? Alias = null, string? UserAlias = null, bool InsecureHttp = false);

    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var cluster = new Argument<string>("cluster") { Description = "The cluster (from 'latchkey clusters list')." };
        var name = new Option<string?>("--name", "-n") { Description = "Name of the new token; the context is named <cluster>-<name> (default: this machine's name).", HelpName = "token-name" };
        var expires = new Option<string?>("--expires") { Description = Expiration.Help, HelpName = "when" };
        var exec = new Option<bool>("--exec") { Description = "Write the exec form: kubectl runs 'latchkey credential' for a short-lived token; the file holds no secret." };
        var file = KubeconfigCommand.FileOption();
        var setCurrent = new Option<bool>("--set-current-context") { Description = "Make the new context the current one (it is anyway when the file had none)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Say what would be added; create no token and change no file." };
        var alias = new Option<string?>("--alias") { Description = "Name the context and its cluster entry this, where the usual names are taken in a file of KUBECONFIG.", HelpName = "name" };
        var userAlias = new Option<string?>("--user-alias") { Description = "Name the user entry this, where the usual name is taken in a file of KUBECONFIG.", HelpName = "name" };
        var insecureHttp = new Option<bool>("--insecure-http") { Description = "Allow a cluster whose server is http://: kubectl sends a token there in the clear, and no exec credential at all." };
        var command = new Command("get", "Add a kubeconfig entry for a cluster to your kubeconfig file, with a new token or in the exec form.")
        {
            cluster, name, expires, exec, file, setCurrent, dryRun, alias, userAlias, insecureHttp,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new Options(parse.GetValue(cluster)!, parse.GetValue(name), parse.GetValue(expires), parse.GetValue(exec),
                KubeconfigLocation.Target(parse.GetValue(file), env), parse.GetValue(setCurrent), parse.GetValue(dryRun),
                parse.GetValue(alias), parse.GetValue(userAlias), parse.GetValue(insecureHttp));
            using var api = CliConfig.Connect(env);
            return await RunAsync(options, console, env, api, cancellationToken);
        });
        return command.WithExamples(
            "latchkey kubeconfig get prod-1 --exec",
            "latchkey kubeconfig get prod-1 --name laptop --expires 30d --set-current-context",
            "latchkey kubeconfig get prod-1 --kubeconfig ./prod.kubeconfig --dry-run",
            "latchkey kubeconfig get prod-1 --exec --alias latchkey-prod-1 --user-alias latchkey-prod-1");
    }

    public static async Task<int> RunAsync(Options options, CliConsole console, CliEnvironment env, ApiClient api, CancellationToken cancellationToken)
    {
        if (options.Exec && (options.TokenName is not null || options.Expires is not null))
        {
            throw new UsageException("--name and --expires do not apply with --exec: the exec form gets a short-lived token at each use.");
        }

        CheckAlias("--alias", options.Alias);
        CheckAlias("--user-alias", options.UserAlias);

        // Read every file kubectl reads with this one and check the names before anything is created on the server.
        KubeconfigFile.CheckWritable(options.Path);
        var cluster = ClusterFields.Checked(await ClustersCommand.FindAsync(api, options.Cluster, cancellationToken), options.InsecureHttp);
        var chain = KubeconfigChain.Around(options.Path, env);
        var tokenName = options.TokenName ?? Environment.MachineName.ToLowerInvariant();
        var planned = Plan(options, cluster, "<new-token-id>", tokenName, "<secret>");
        chain.CheckFree(planned);
        var preview = KubeconfigMerge.Merge(KubeconfigFile.Load(options.Path), planned, options.SetCurrentContext);
        if (options.DryRun)
        {
            console.Out.WriteLine($"Dry run: would {(options.Exec ? "" : $"create token \"{tokenName}\" and ")}add to {options.Path}: {Describe(preview)}. Nothing was changed.");
            return ExitCodes.Ok;
        }

        if (ClusterServer.IsHttp(cluster.Server))
        {
            console.Error.WriteLine(options.Exec
                ? $"Warning: {cluster.Server} is http://: kubectl runs no exec plugin for it, so its requests go without any credential (anonymous)."
                : $"Warning: {cluster.Server} is http://: kubectl sends the token in the clear with every request, and anyone on the way can read and reuse it.");
        }

        var context = planned.CurrentContext!;
        if (options.Exec)
        {
            var added = await KubeconfigFile.UpdateAsync(options.Path, c => KubeconfigMerge.Merge(c, planned, options.SetCurrentContext), cancellationToken);
            Report(console, options.Path, added, context, env);
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
            // Built here from the cluster's checked fields: no YAML from the server reaches the file.
            var incoming = Plan(options, cluster, created.Id, created.Name, created.Secret);
            context = incoming.CurrentContext!;
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

        Report(console, options.Path, result, context, env);
        console.Out.WriteLine($"Token {created.Id} (\"{created.Name}\") {(created.ExpiresAt is null ? "never expires" : $"expires {Table.Time(created.ExpiresAt)} UTC")}; 'latchkey kubeconfig remove CONTEXT --revoke' removes it.");
        return ExitCodes.Ok;
    }

    private static Kubeconfig Plan(Options options, ClusterInfo cluster, string tokenId, string tokenName, string secret) => options.Exec
        ? KubeconfigTemplates.WithExec(cluster, options.Alias, options.UserAlias)
        : KubeconfigTemplates.WithToken(cluster, tokenId, tokenName, secret, options.Alias, options.UserAlias);

    private static void CheckAlias(string option, string? alias)
    {
        if (alias is not null && (alias.Length is 0 or > 253 || alias.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
        {
            throw new UsageException($"{option} must be 1-253 characters without spaces or control characters.");
        }
    }

    /// <summary>Says what kubectl will use now, read back from every file of the chain (not only the one written).</summary>
    private static void Report(CliConsole console, string path, MergeResult result, string context, CliEnvironment env)
    {
        console.Out.WriteLine(result.Added.Count == 0
            ? $"{path} already had these entries: {Describe(result)}."
            : $"Added to {path}: {Describe(result)}.");
        var chain = KubeconfigChain.Around(path, env);
        var flag = chain.IsDefault ? "" : $"--kubeconfig {path} ";
        var current = chain.CurrentContext;
        if (current?.Name == context)
        {
            console.Out.WriteLine(chain.IsDefault ? $"Current context: {context}." : $"Current context of {path}: {context} (kubectl reads this file with --kubeconfig {path}).");
        }
        else
        {
            var now = current is { } c ? $"kubectl uses context '{c.Name}' (the current context of {c.File}). " : "";
            console.Out.WriteLine($"{now}Use this one with 'kubectl {flag}--context {context} get pods', or make it current with 'kubectl {flag}config use-context {context}'.");
        }
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
