using System.CommandLine;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey groups</c>: named sets of members that policies can be granted to (needs the org-admin role).</summary>
internal static class GroupsCommand
{
    public static Command Build(CliConsole console, CliEnvironment env) =>
        new Command("groups", "List, show, create and delete groups, and add or remove their members (needs the org-admin role).")
        {
            List(console, env),
            Show(console, env),
            Create(console, env),
            Delete(console, env),
            GroupMembersCommand.Add(console, env),
            GroupMembersCommand.Remove(console, env),
        }.WithExamples(
            "latchkey groups create platform-team",
            "latchkey groups add-member platform-team dev@example.com",
            "latchkey policies grant --group platform-team --role cluster-admin --cluster prod-1");

    public static async Task<int> ListAsync(string format, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var groups = await api.GetAsync("api/v1/groups", CliJson.Default.ListGroupInfo, cancellationToken);
        if (!OutputFormat.TryWrite(console.Out, format, groups, CliJson.Default.ListGroupInfo))
        {
            Table.Write(console.Out, ["NAME", "MEMBERS", "CREATED", "ID"], groups.Select(g =>
                (IReadOnlyList<string>)[g.Name, g.Members.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), Table.Time(g.CreatedAt), g.Id.ToString()]));
        }

        return ExitCodes.Ok;
    }

    public static async Task<int> ShowAsync(string nameOrId, string format, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var g = await FindAsync(api, nameOrId, cancellationToken);
        if (!OutputFormat.TryWrite(console.Out, format, g, CliJson.Default.GroupInfo))
        {
            console.Out.WriteLine($"id:       {g.Id}");
            console.Out.WriteLine($"name:     {g.Name}");
            console.Out.WriteLine($"created:  {Table.Time(g.CreatedAt)}");
            console.Out.WriteLine();
            if (g.Members.Count == 0)
            {
                console.Out.WriteLine("Members: none.");
            }
            else
            {
                Table.Write(console.Out, ["MEMBER", "NAME", "ID"], g.Members.Select(m => (IReadOnlyList<string>)[m.Email, m.DisplayName, m.Id.ToString()]));
            }
        }

        return ExitCodes.Ok;
    }

    public static async Task<int> CreateAsync(string name, string format, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var group = await api.PostAsync("api/v1/groups", new GroupNameRequest(name), CliJson.Default.GroupNameRequest, CliJson.Default.GroupInfo, cancellationToken);
        if (!OutputFormat.TryWrite(console.Out, format, group, CliJson.Default.GroupInfo))
        {
            console.Out.WriteLine($"Created group {group.Name} (id {group.Id}).");
        }

        return ExitCodes.Ok;
    }

    public static async Task<int> DeleteAsync(string nameOrId, bool yes, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var group = await FindAsync(api, nameOrId, cancellationToken);
        if (!yes && !console.Confirm($"Delete group {group.Name}, its {group.Members.Count} membership(s) and the access policies granted to it? "
                + "Its members lose that access at once.", "delete"))
        {
            console.Out.WriteLine("Nothing was deleted.");
            return ExitCodes.Ok;
        }

        await api.DeleteAsync($"api/v1/groups/{group.Id}", cancellationToken);
        console.Out.WriteLine($"Deleted group {group.Name}.");
        return ExitCodes.Ok;
    }

    /// <summary>The group with that name (compared without case, as the server does) or id, with its members; or a clear error.</summary>
    public static async Task<GroupInfo> FindAsync(ApiClient api, string nameOrId, CancellationToken cancellationToken) =>
        (await api.GetAsync("api/v1/groups", CliJson.Default.ListGroupInfo, cancellationToken))
            .FirstOrDefault(g => string.Equals(g.Name, nameOrId, StringComparison.OrdinalIgnoreCase) || (Guid.TryParse(nameOrId, out var id) && g.Id == id))
        ?? throw new CliException($"No group named '{nameOrId}' (or with that id) exists in your organization. 'latchkey groups list' shows them.");

    private static Command List(CliConsole console, CliEnvironment env)
    {
        var output = OutputFormat.Option();
        var command = new Command("list", "List the groups and how many members each has.") { output };
        command.Aliases.Add("ls");
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await ListAsync(parse.GetValue(output)!, console, api, cancellationToken);
        });
        return command.WithExamples("latchkey groups list", "latchkey groups list -o json");
    }

    private static Command Show(CliConsole console, CliEnvironment env)
    {
        var group = new Argument<string>("group") { Description = "The group's name or id." };
        var output = OutputFormat.Option();
        var command = new Command("show", "Show one group and its members.") { group, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await ShowAsync(parse.GetValue(group)!, parse.GetValue(output)!, console, api, cancellationToken);
        });
        return command.WithExamples("latchkey groups show platform-team", "latchkey groups show platform-team -o yaml");
    }

    private static Command Create(CliConsole console, CliEnvironment env)
    {
        var name = new Argument<string>("name") { Description = "1-64 letters, digits, '-', '_' or '.', such as platform-team." };
        var output = OutputFormat.Option();
        var command = new Command("create", "Create an empty group.") { name, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await CreateAsync(parse.GetValue(name)!, parse.GetValue(output)!, console, api, cancellationToken);
        });
        return command.WithExamples("latchkey groups create platform-team", "latchkey groups create sre -o json");
    }

    private static Command Delete(CliConsole console, CliEnvironment env)
    {
        var group = new Argument<string>("group") { Description = "The group's name or id." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (needed when there is no terminal)." };
        var command = new Command("delete", "Delete a group, its memberships and the access policies granted to it.") { group, yes };
        command.Aliases.Add("rm");
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await DeleteAsync(parse.GetValue(group)!, parse.GetValue(yes), console, api, cancellationToken);
        });
        return command.WithExamples("latchkey groups delete platform-team", "latchkey groups delete platform-team --yes");
    }
}
