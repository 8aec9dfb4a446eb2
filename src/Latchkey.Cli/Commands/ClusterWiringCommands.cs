using System.CommandLine;
using Latchkey.Cli.Output;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey clusters webhook-config</c> and <c>latchkey clusters rbac</c>: what an operator needs to wire a cluster.</summary>
internal static class ClusterWiringCommands
{
    public const string AuthenticationFile = "latchkey-authn-webhook.yaml";
    public const string AuthorizationFile = "latchkey-authz-webhook.yaml";

    public static Command WebhookConfig(CliConsole console, CliEnvironment env)
    {
        var name = new Argument<string>("CLUSTER") { Description = "The cluster's name." };
        var outDir = new Option<string?>("--out-dir") { Description = $"Write {AuthenticationFile} and {AuthorizationFile} there (mode 0600) instead of printing them." };
        var command = new Command("webhook-config", "Issue a webhook credential for a cluster and print the API server's webhook config files and flags (org admins).")
        {
            name, outDir,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await WebhookConfigAsync(parse.GetValue(name)!, parse.GetValue(outDir), console, api, cancellationToken);
        });
        return command.WithExamples(
            "latchkey clusters webhook-config prod-1 --out-dir /etc/kubernetes",
            "latchkey clusters webhook-config prod-1 > wiring.txt   # holds a credential: keep it private");
    }

    public static Command Rbac(CliConsole console, CliEnvironment env)
    {
        var name = new Argument<string>("CLUSTER") { Description = "The cluster's name." };
        var command = new Command("rbac", "Print ClusterRoleBindings that give Latchkey's role groups cluster-admin and view.") { name };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            await console.Out.WriteAsync(await api.GetTextAsync($"api/v1/clusters/{ApiClient.Segment(parse.GetValue(name)!)}/rbac", cancellationToken));
            return ExitCodes.Ok;
        });
        return command.WithExamples("latchkey clusters rbac prod-1 | kubectl apply -f -");
    }

    public static async Task<int> WebhookConfigAsync(string cluster, string? outDir, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var config = await api.GetAsync($"api/v1/clusters/{ApiClient.Segment(cluster)}/webhook-config", CliJson.Default.WebhookConfig, cancellationToken);
        if (outDir is null)
        {
            await console.Out.WriteLineAsync($"# --- {AuthenticationFile} ---");
            await console.Out.WriteAsync(config.AuthenticationConfig);
            await console.Out.WriteLineAsync($"# --- {AuthorizationFile} ---");
            await console.Out.WriteAsync(config.AuthorizationConfig);
        }
        else
        {
            Directory.CreateDirectory(outDir);
            PrivateFiles.Write(Path.Combine(outDir, AuthenticationFile), config.AuthenticationConfig);
            PrivateFiles.Write(Path.Combine(outDir, AuthorizationFile), config.AuthorizationConfig);
            await console.Error.WriteLineAsync($"Wrote {Path.Combine(outDir, AuthenticationFile)} and {Path.Combine(outDir, AuthorizationFile)} (mode 0600).");
        }

        await console.Out.WriteLineAsync("# kube-apiserver flags (file paths as on the control-plane nodes):");
        foreach (var flag in config.ApiServerFlags)
        {
            await console.Out.WriteLineAsync($"#   {flag}");
        }

        return ExitCodes.Ok;
    }
}
