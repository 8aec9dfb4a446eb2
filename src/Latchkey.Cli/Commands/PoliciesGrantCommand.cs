using System.CommandLine;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Commands;

internal static class PoliciesGrantCommand
{
    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var user = new Option<string?>("--user") { Description = "The member to grant the role to (email or id).", HelpName = "email|id" };
        var group = new Option<string?>("--group") { Description = "The group to grant the role to (name or id): each of its members holds it.", HelpName = "name|id" };
        var role = new Option<string>("--role")
        {
            Description = "A built-in role, such as cluster-viewer or org-admin (the server refuses an unknown one and lists the roles).",
            HelpName = "role",
            Required = true,
        };
        var cluster = new Option<string?>("--cluster") { Description = "Grant it on this cluster only.", HelpName = "name" };
        var vpc = new Option<string?>("--vpc") { Description = "Grant it on this VPC only.", HelpName = "name" };
        var output = OutputFormat.Option();
        var command = new Command("grant", "Grant a role to a user or group on the whole organization (default), one cluster or one VPC. It takes effect on the next request.")
        {
            user, group, role, cluster, vpc, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if ((parse.GetValue(user) is null) == (parse.GetValue(group) is null))
            {
                throw new UsageException("Say whom to grant the role to: --user EMAIL|ID or --group NAME|ID (one of the two).");
            }

            var scope = PoliciesCommand.Scope(parse.GetValue(cluster), parse.GetValue(vpc)) ?? new ScopeRequest("organization");
            using var api = CliConfig.Connect(env);
            var principal = await PoliciesCommand.PrincipalAsync(parse.GetValue(user), parse.GetValue(group), api, cancellationToken);
            return await RunAsync(new CreatePolicyRequest(principal, scope, parse.GetValue(role)), parse.GetValue(output)!, console, api, cancellationToken);
        });
        return command.WithExamples(
            "latchkey policies grant --user dev@example.com --role cluster-viewer --cluster prod-1",
            "latchkey policies grant --group platform-team --role vpc-admin --vpc prod-eu",
            "latchkey policies grant --user ops@example.com --role token-admin");
    }

    public static async Task<int> RunAsync(CreatePolicyRequest request, string format, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var created = await api.PostAsync("api/v1/policies", request, CliJson.Default.CreatePolicyRequest, CliJson.Default.ListPolicyInfo, cancellationToken);
        if (!OutputFormat.TryWrite(console.Out, format, created, CliJson.Default.ListPolicyInfo))
        {
            foreach (var policy in created)
            {
                console.Out.WriteLine($"Granted {PoliciesCommand.Describe(policy)} (policy {policy.Id}).");
            }
        }

        return ExitCodes.Ok;
    }
}
