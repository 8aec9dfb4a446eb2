using System.CommandLine;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey clusters credentials</c>: the webhook credentials a cluster's API servers call Latchkey with (org admins).</summary>
internal static class ClusterCredentialsCommand
{
    public static Command Build(CliConsole console, CliEnvironment env) =>
        new Command("credentials", "List and revoke a cluster's webhook credentials, which its API servers present to Latchkey (org admins).")
        {
            List(console, env),
            Revoke(console, env),
        }.WithExamples("latchkey clusters credentials list prod-1", "latchkey clusters credentials revoke prod-1 0196f7b2-5c1e-7a3d-9f00-1b2c3d4e5f60");

    public static async Task<int> ListAsync(string cluster, string format, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var credentials = await api.GetAsync(Path(cluster), CliJson.Default.ListWebhookCredentialInfo, cancellationToken);
        if (!OutputFormat.TryWrite(console.Out, format, credentials, CliJson.Default.ListWebhookCredentialInfo))
        {
            Table.Write(console.Out, ["ID", "CREATED", "CREATED BY", "EXPIRES", "LAST USED", "STATUS"], credentials.Select(c =>
                (IReadOnlyList<string>)[c.Id.ToString(), Table.Time(c.CreatedAt), c.CreatedBy ?? "", Table.Time(c.ExpiresAt), Table.Time(c.LastUsedAt), c.Status]));
        }

        return ExitCodes.Ok;
    }

    /// <summary>The credential is looked up (and shown in the question) before it is revoked.</summary>
    public static async Task<int> RevokeAsync(string cluster, string id, bool yes, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var credentialId))
        {
            throw new UsageException($"'{id}' is not a credential id; 'latchkey clusters credentials list {cluster}' shows the ids.");
        }

        var credential = (await api.GetAsync(Path(cluster), CliJson.Default.ListWebhookCredentialInfo, cancellationToken)).FirstOrDefault(c => c.Id == credentialId)
            ?? throw new CliException($"Cluster {cluster} has no webhook credential {credentialId}. 'latchkey clusters credentials list {cluster}' shows them.");
        if (!yes && !console.Confirm(
                $"Revoke webhook credential {credential.Id} of cluster {cluster} (created {Table.Time(credential.CreatedAt)}, last used {Table.Time(credential.LastUsedAt)})? "
                + "API servers that present it are refused from their next review.", "revoke"))
        {
            console.Out.WriteLine("Nothing was revoked.");
            return ExitCodes.Ok;
        }

        await api.DeleteAsync($"{Path(cluster)}/{credential.Id}", cancellationToken);
        console.Out.WriteLine($"Revoked webhook credential {credential.Id} of cluster {cluster}.");
        return ExitCodes.Ok;
    }

    private static string Path(string cluster) => $"api/v1/clusters/{ApiClient.Segment(cluster)}/webhook-credentials";

    private static Command List(CliConsole console, CliEnvironment env)
    {
        var name = new Argument<string>("CLUSTER") { Description = "The cluster's name." };
        var output = OutputFormat.Option();
        var command = new Command("list", "List the cluster's webhook credentials: created (when, by whom), expires, last used, status.") { name, output };
        command.Aliases.Add("ls");
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await ListAsync(parse.GetValue(name)!, parse.GetValue(output)!, console, api, cancellationToken);
        });
        return command.WithExamples("latchkey clusters credentials list prod-1", "latchkey clusters credentials list prod-1 -o json");
    }

    private static Command Revoke(CliConsole console, CliEnvironment env)
    {
        var name = new Argument<string>("CLUSTER") { Description = "The cluster's name." };
        var id = new Argument<string>("ID") { Description = "The credential's id (from 'latchkey clusters credentials list')." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (needed when there is no terminal)." };
        var command = new Command("revoke", "Revoke a webhook credential. API servers that present it are refused from their next review.") { name, id, yes };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await RevokeAsync(parse.GetValue(name)!, parse.GetValue(id)!, parse.GetValue(yes), console, api, cancellationToken);
        });
        return command.WithExamples(
            "latchkey clusters credentials revoke prod-1 0196f7b2-5c1e-7a3d-9f00-1b2c3d4e5f60",
            "latchkey clusters credentials revoke prod-1 0196f7b2-5c1e-7a3d-9f00-1b2c3d4e5f60 --yes");
    }
}
