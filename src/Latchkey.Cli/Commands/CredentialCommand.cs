using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Latchkey.Cli.Kubeconfigs;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Cli.Commands;

internal static class CredentialCommand
{
    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var cluster = new Option<string>("--cluster") { Description = "The cluster to get a credential for.", Required = true };
        var command = new Command("credential", "The kubectl exec plugin: prints an ExecCredential with a short-lived token for a cluster. kubectl runs it; you rarely do.")
        {
            cluster,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await RunAsync(parse.GetValue(cluster)!, console, env, api, cancellationToken);
        });
        return command.WithExamples("latchkey credential --cluster prod-1", "latchkey kubeconfig get prod-1 --exec   # writes a kubeconfig that runs it");
    }

    /// <summary>Writes the ExecCredential to standard output (kubectl reads it there) and anything else to standard error.</summary>
    public static async Task<int> RunAsync(string cluster, CliConsole console, CliEnvironment env, ApiClient api, CancellationToken cancellationToken)
    {
        var signIn = CliConfig.Effective(env).Token!;
        var calling = ExecClusterInfo.Server(env);
        var cached = ExecCredentialCache.Find(env, api.Server, cluster, signIn);
        ClusterToken credential;
        if (cached is not null)
        {
            ExecClusterInfo.Check(calling, cluster, cached.Server);
            credential = cached.Credential;
        }
        else
        {
            // The server is checked before a token is made: a token for a foreign server is never minted.
            var registered = (await ClustersCommand.FindAsync(api, cluster, cancellationToken)).Server;
            ExecClusterInfo.Check(calling, cluster, registered);
            credential = await api.PostAsync($"api/v1/clusters/{ApiClient.Segment(cluster)}/credentials", CliJson.Default.ClusterToken, cancellationToken);
            ExecCredentialCache.Store(env, api.Server, cluster, signIn, new CachedCredential(credential, registered));
        }

        console.Out.WriteLine(JsonSerializer.Serialize(Describe(credential), CliJson.Default.ExecCredential));
        return ExitCodes.Ok;
    }

    public static ExecCredential Describe(ClusterToken credential) => new(
        KubeconfigTemplates.ExecApiVersion,
        "ExecCredential",
        new ExecCredentialStatus(credential.Token, credential.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
}
