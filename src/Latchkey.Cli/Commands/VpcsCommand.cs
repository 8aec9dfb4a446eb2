using System.CommandLine;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey vpcs</c>: the VPCs that policies and tokens can be scoped to.</summary>
internal static class VpcsCommand
{
    public static Command Build(CliConsole console, CliEnvironment env) =>
        new Command("vpcs", "List, create and delete VPCs (creating and deleting need the org-admin or vpc-admin role).")
        {
            List(console, env),
            Create(console, env),
            Delete(console, env),
        }.WithExamples(
            "latchkey vpcs list",
            "latchkey vpcs create prod-eu --zone eu-1 --cidr 10.20.0.0/16",
            "latchkey vpcs delete prod-eu");

    public static async Task<int> ListAsync(string format, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var vpcs = await api.GetAsync("api/v1/vpcs", CliJson.Default.ListVpcInfo, cancellationToken);
        if (!OutputFormat.TryWrite(console.Out, format, vpcs, CliJson.Default.ListVpcInfo))
        {
            Table.Write(console.Out, ["NAME", "ZONE", "CIDR", "CREATED", "ID"],
                vpcs.Select(v => (IReadOnlyList<string>)[v.Name, v.Zone, v.Cidr, Table.Time(v.CreatedAt), v.Id.ToString()]));
        }

        return ExitCodes.Ok;
    }

    public static async Task<int> CreateAsync(CreateVpcRequest request, string format, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var vpc = await api.PostAsync("api/v1/vpcs", request, CliJson.Default.CreateVpcRequest, CliJson.Default.VpcInfo, cancellationToken);
        if (!OutputFormat.TryWrite(console.Out, format, vpc, CliJson.Default.VpcInfo))
        {
            console.Out.WriteLine($"Created VPC {vpc.Name} ({vpc.Cidr} in zone {vpc.Zone}, id {vpc.Id}).");
        }

        return ExitCodes.Ok;
    }

    public static async Task<int> DeleteAsync(string nameOrId, bool yes, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var vpc = await FindAsync(api, nameOrId, cancellationToken);
        if (!yes && !console.Confirm($"Delete VPC {vpc.Name} ({vpc.Cidr})?", "delete"))
        {
            console.Out.WriteLine("Nothing was deleted.");
            return ExitCodes.Ok;
        }

        try
        {
            await api.DeleteAsync($"api/v1/vpcs/{vpc.Id}", cancellationToken);
        }
        catch (ApiException e) when (e.Status == System.Net.HttpStatusCode.Conflict)
        {
            // The server names the policies in the way; say how to revoke them from here.
            throw new CliException($"{e.Message} From the CLI: latchkey policies revoke ID...");
        }

        console.Out.WriteLine($"Deleted VPC {vpc.Name}.");
        return ExitCodes.Ok;
    }

    /// <summary>The VPC with that name or id among those the caller may see, or a clear error.</summary>
    public static async Task<VpcInfo> FindAsync(ApiClient api, string nameOrId, CancellationToken cancellationToken) =>
        (await api.GetAsync("api/v1/vpcs", CliJson.Default.ListVpcInfo, cancellationToken))
            .FirstOrDefault(v => v.Name == nameOrId || (Guid.TryParse(nameOrId, out var id) && v.Id == id))
        ?? throw new CliException($"No VPC named '{nameOrId}' (or with that id) exists that you may see. 'latchkey vpcs list' shows them.");

    private static Command List(CliConsole console, CliEnvironment env)
    {
        var output = OutputFormat.Option();
        var command = new Command("list", "List the VPCs you may see: name, zone and CIDR.") { output };
        command.Aliases.Add("ls");
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await ListAsync(parse.GetValue(output)!, console, api, cancellationToken);
        });
        return command.WithExamples("latchkey vpcs list", "latchkey vpcs list -o json");
    }

    private static Command Create(CliConsole console, CliEnvironment env)
    {
        var name = new Argument<string>("name") { Description = "1-63 lower-case letters, digits or '-', such as prod-eu." };
        var zone = new Option<string>("--zone") { Description = "The zone it is in, such as eu-1.", HelpName = "zone", Required = true };
        var cidr = new Option<string>("--cidr") { Description = "Its address range, such as 10.20.0.0/16.", HelpName = "cidr", Required = true };
        var output = OutputFormat.Option();
        var command = new Command("create", "Create a VPC.") { name, zone, cidr, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await CreateAsync(new CreateVpcRequest(parse.GetValue(name), parse.GetValue(zone), parse.GetValue(cidr)), parse.GetValue(output)!,
                console, api, cancellationToken);
        });
        return command.WithExamples("latchkey vpcs create prod-eu --zone eu-1 --cidr 10.20.0.0/16", "latchkey vpcs create staging --zone eu-1 --cidr 10.30.0.0/16 -o json");
    }

    private static Command Delete(CliConsole console, CliEnvironment env)
    {
        var vpc = new Argument<string>("vpc") { Description = "The VPC's name or id." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (needed when there is no terminal)." };
        var command = new Command("delete", "Delete a VPC. One that an access policy is scoped to is refused, naming the policies to revoke first.") { vpc, yes };
        command.Aliases.Add("rm");
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await DeleteAsync(parse.GetValue(vpc)!, parse.GetValue(yes), console, api, cancellationToken);
        });
        return command.WithExamples("latchkey vpcs delete prod-eu", "latchkey vpcs delete prod-eu --yes");
    }
}
