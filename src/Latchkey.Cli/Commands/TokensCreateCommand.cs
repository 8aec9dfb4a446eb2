using System.CommandLine;
using Latchkey.Cli.Kubeconfigs;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Cli.Commands;

internal static class TokensCreateCommand
{
    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var name = new Option<string>("--name", "-n") { Description = "A name to recognise the token by later (up to 100 characters).", Required = true };
        var expires = new Option<string?>("--expires") { Description = Expiration.Help, HelpName = "when" };
        var note = new Option<string?>("--note") { Description = "What the token is for (up to 1000 characters).", HelpName = "text" };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Also print a kubeconfig for this cluster, with the new token in it.", HelpName = "cluster" };
        var scope = new Option<string[]>("--scope")
        {
            Description = "Narrow the token to a permission, optionally on one cluster or VPC (repeatable): metrics:read, clusters:view:prod-1. "
                + "Without it the token has all of your rights.",
            HelpName = "permission[:resource]",
            AllowMultipleArgumentsPerToken = false,
        };
        var allow = new Option<string[]>("--allow-cidr")
        {
            Description = "A network the token may be used from, such as 10.0.0.0/8 (repeat for more; default: anywhere).",
            HelpName = "cidr",
        };
        var insecureHttp = new Option<bool>("--insecure-http") { Description = "With --kubeconfig, allow a cluster whose server is http:// (kubectl sends the token there in the clear)." };
        var output = OutputFormat.Option();
        var command = new Command("create", "Create a token. Its secret is printed once and never shown again.") { name, expires, note, kubeconfig, scope, allow, insecureHttp, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var request = Expiration.Apply(
                new CreateTokenRequest(parse.GetValue(name), parse.GetValue(note), Kubeconfig: parse.GetValue(kubeconfig) is { } cluster ? new KubeconfigRequest(cluster) : null,
                    Scopes: parse.GetValue(scope) is { Length: > 0 } scopes ? scopes : null,
                    AllowedCidrs: parse.GetValue(allow) is { Length: > 0 } cidrs ? cidrs : null),
                parse.GetValue(expires), env.Time.GetUtcNow());
            using var api = CliConfig.Connect(env);
            return await RunAsync(request, parse.GetValue(output)!, console, api, cancellationToken, parse.GetValue(insecureHttp));
        });
        return command.WithExamples(
            "latchkey tokens create --name ci-deploy --expires 90d --note 'pipeline of the infra repo'",
            "latchkey tokens create --name laptop --expires 2027-01-31 --kubeconfig prod-1",
            "latchkey tokens create --name grafana --expires 90d --scope metrics:read",
            "latchkey tokens create --name ci-deploy --allow-cidr 10.0.0.0/8 --allow-cidr 2001:db8::/32",
            "latchkey tokens create --name nightly -o json | jq -r .secret");
    }

    public static async Task<int> RunAsync(CreateTokenRequest request, string format, CliConsole console, ApiClient api, CancellationToken cancellationToken, bool insecureHttp = false)
    {
        // The cluster's fields are checked before the token exists, and the kubeconfig is built from them here, never taken as the server wrote it.
        var cluster = request.Kubeconfig?.Cluster is { } clusterName
            ? ClusterFields.Checked(await ClustersCommand.FindAsync(api, clusterName, cancellationToken), insecureHttp)
            : null;
        var created = await api.PostAsync("api/v1/tokens", request, CliJson.Default.CreateTokenRequest, CliJson.Default.CreatedToken, cancellationToken);
        created = created with { Kubeconfig = cluster is null ? null : KubeconfigTemplates.WithToken(cluster, created.Id, created.Name, created.Secret).ToYaml() };
        if (OutputFormat.TryWrite(console.Out, format, created, CliJson.Default.CreatedToken))
        {
            console.Error.WriteLine("The secret is in this output only: it will not be shown again.");
            return ExitCodes.Ok;
        }

        WriteSecret(console.Out, $"Created token \"{created.Name}\" (id {created.Id})", created);
        if (created.Kubeconfig is { } kubeconfig)
        {
            console.Out.WriteLine();
            console.Out.WriteLine($"Kubeconfig for cluster {request.Kubeconfig!.Cluster} (it holds the secret; 'latchkey kubeconfig get' writes one into a file for you):");
            console.Out.WriteLine();
            console.Out.Write(kubeconfig);
        }

        return ExitCodes.Ok;
    }

    /// <summary>The one place a new secret is printed, after creation and after rotation.</summary>
    public static void WriteSecret(TextWriter output, string what, CreatedToken created)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(created);
        var expiry = created.ExpiresAt is null ? "never expires" : $"expires {Table.Time(created.ExpiresAt)} UTC";
        var networks = created.AllowedCidrs is { Count: > 0 } cidrs ? $", only from {string.Join(", ", cidrs)}" : "";
        var narrowed = created.Scopes is { } granted ? $", scoped to {string.Join(' ', granted)}" : "";
        output.WriteLine($"{what}, {expiry}{networks}{narrowed}. Its secret:");
        output.WriteLine();
        output.WriteLine($"    {created.Secret}");
        output.WriteLine();
        output.WriteLine("Copy it now: it will not be shown again.");
    }
}
