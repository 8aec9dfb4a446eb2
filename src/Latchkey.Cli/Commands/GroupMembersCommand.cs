using System.CommandLine;
using Latchkey.Cli.Output;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey groups add-member</c> and <c>remove-member</c>: members named by email or id.</summary>
internal static class GroupMembersCommand
{
    public static Command Add(CliConsole console, CliEnvironment env)
    {
        var (group, users) = Arguments();
        var command = new Command("add-member", "Add members of your organization to a group: the group's policies apply to them at once.") { group, users };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await AddAsync(parse.GetValue(group)!, parse.GetValue(users)!, console, api, cancellationToken);
        });
        return command.WithExamples("latchkey groups add-member platform-team dev@example.com", "latchkey groups add-member sre ana@example.com bo@example.com");
    }

    public static Command Remove(CliConsole console, CliEnvironment env)
    {
        var (group, users) = Arguments();
        var command = new Command("remove-member", "Take members out of a group: the access it gave them ends at once.") { group, users };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await RemoveAsync(parse.GetValue(group)!, parse.GetValue(users)!, console, api, cancellationToken);
        });
        return command.WithExamples("latchkey groups remove-member platform-team dev@example.com");
    }

    /// <summary>Every user is found before anything changes, so that a typo in the third email changes nothing.</summary>
    public static async Task<int> AddAsync(string groupNameOrId, IReadOnlyList<string> users, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var group = await GroupsCommand.FindAsync(api, groupNameOrId, cancellationToken);
        var all = await api.GetAsync("api/v1/users", CliJson.Default.ListMemberSummary, cancellationToken);
        var members = users.Select(u => UsersCommand.Match(all, u)).DistinctBy(m => m.Id).ToList();
        foreach (var member in members)
        {
            if (group.Members.Any(m => m.Id == member.Id))
            {
                console.Out.WriteLine($"{member.Email} is already a member of group {group.Name}.");
                continue;
            }

            await api.PutAsync($"api/v1/groups/{group.Id}/members/{member.Id}", cancellationToken);
            console.Out.WriteLine($"Added {member.Email} to group {group.Name}.");
        }

        return ExitCodes.Ok;
    }

    public static async Task<int> RemoveAsync(string groupNameOrId, IReadOnlyList<string> users, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var group = await GroupsCommand.FindAsync(api, groupNameOrId, cancellationToken);
        var all = await api.GetAsync("api/v1/users", CliJson.Default.ListMemberSummary, cancellationToken);
        var members = users.Select(u => UsersCommand.Match(all, u)).DistinctBy(m => m.Id).ToList();
        if (members.FirstOrDefault(m => group.Members.All(g => g.Id != m.Id)) is { } outsider)
        {
            throw new CliException($"{outsider.Email} is not a member of group {group.Name}; nothing was changed. 'latchkey groups show {group.Name}' lists its members.");
        }

        foreach (var member in members)
        {
            await api.DeleteAsync($"api/v1/groups/{group.Id}/members/{member.Id}", cancellationToken);
            console.Out.WriteLine($"Removed {member.Email} from group {group.Name}.");
        }

        return ExitCodes.Ok;
    }

    private static (Argument<string> Group, Argument<string[]> Users) Arguments() =>
        (new Argument<string>("group") { Description = "The group's name or id." },
         new Argument<string[]>("user") { Description = "Members' emails or ids.", Arity = ArgumentArity.OneOrMore });
}
