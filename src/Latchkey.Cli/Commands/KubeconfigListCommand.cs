using System.CommandLine;
using Latchkey.Cli.Kubeconfigs;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Cli.Commands;

internal static class KubeconfigListCommand
{
    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var file = KubeconfigCommand.FileOption();
        var offline = new Option<bool>("--offline") { Description = "Do not ask the server about token expiry and status." };
        var output = OutputFormat.Option();
        var command = new Command("list", "List the contexts of your kubeconfig; for Latchkey tokens also their expiry and status.") { file, offline, output };
        command.Aliases.Add("ls");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var files = KubeconfigLocation.Sources(parse.GetValue(file), env);
            // No server, no lookups: listing must work on a plane.
            using var api = parse.GetValue(offline) || !CliConfig.IsSignedIn(env) ? null : CliConfig.Connect(env, TimeSpan.FromSeconds(5));
            return await RunAsync(files, parse.GetValue(output)!, console, api, cancellationToken);
        });
        return command.WithExamples("latchkey kubeconfig list", "latchkey kubeconfig list --offline", "latchkey kubeconfig list --kubeconfig ./prod.kubeconfig -o json");
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> files, string format, CliConsole console, ApiClient? api, CancellationToken cancellationToken)
    {
        var rows = Rows(files.Select(f => (f, KubeconfigFile.Load(f))).ToList());
        var ids = rows.Select(r => r.TokenId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        Dictionary<string, TokenInfo>? known = null;
        if (api is not null && ids.Count > 0)
        {
            try
            {
                known = await TokenLookup.FetchAsync(api, ids, cancellationToken);
            }
            catch (CliException e)
            {
                console.Error.WriteLine($"Note: token status not shown. {e.Message}");
            }
        }

        if (known is not null)
        {
            rows = [.. rows.Select(r => r.TokenId is { } id
                ? known.TryGetValue(id, out var t) ? r with { Status = TokensListCommand.Status(t.Status), ExpiresAt = t.ExpiresAt } : r with { Status = "unknown" }
                : r)];
        }

        if (!OutputFormat.TryWrite(console.Out, format, rows, CliJson.Default.ListContextRow))
        {
            var withStatus = known is not null;
            string[] headers = withStatus ? ["CURRENT", "NAME", "CLUSTER", "USER", "NAMESPACE", "EXPIRES", "STATUS"] : ["CURRENT", "NAME", "CLUSTER", "USER", "NAMESPACE"];
            Table.Write(console.Out, headers, rows.Select(r =>
            {
                string[] row = [r.Current ? "*" : "", r.Name, r.Cluster ?? "", r.User ?? "", r.Namespace ?? ""];
                return (IReadOnlyList<string>)(withStatus ? [.. row, r.TokenId is null ? "" : Table.Time(r.ExpiresAt), r.Status ?? ""] : row);
            }));
        }

        return ExitCodes.Ok;
    }

    /// <summary>Contexts in file order; where files name the same context, the first wins (as in kubectl).</summary>
    public static List<ContextRow> Rows(IReadOnlyList<(string File, Kubeconfig Config)> files)
    {
        var current = files.Select(f => f.Config.CurrentContext).FirstOrDefault(c => !string.IsNullOrEmpty(c));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var rows = new List<ContextRow>();
        foreach (var (file, config) in files)
        {
            foreach (var context in config.Entries(KubeconfigSection.Contexts))
            {
                if (!seen.Add(context.Name))
                {
                    continue;
                }

                var user = context["user"];
                var tokenId = user is null ? null : KubeconfigNames.TokenIdOf(user);
                var status = user?.StartsWith(KubeconfigNames.ExecUserPrefix, StringComparison.Ordinal) == true ? "exec" : null;
                rows.Add(new ContextRow(context.Name, context.Name == current, context["cluster"], user, context["namespace"], file, tokenId, status, null));
            }
        }

        return rows;
    }
}
