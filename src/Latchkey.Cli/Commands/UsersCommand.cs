using System.CommandLine;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey users</c>: the organization's members (needs the org-admin role).</summary>
internal static class UsersCommand
{
    public static Command Build(CliConsole console, CliEnvironment env) =>
        new Command("users", "List, show, invite, disable and enable the members of your organization (needs the org-admin role).")
        {
            List(console, env),
            Show(console, env),
            UsersInviteCommand.Build(console, env),
            SetActive("disable", false, console, env),
            SetActive("enable", true, console, env),
        }.WithExamples(
            "latchkey users list",
            "latchkey users invite dev@example.com --role cluster-viewer",
            "latchkey users disable dev@example.com");

    public static async Task<int> ListAsync(string format, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var members = await api.GetAsync("api/v1/users", CliJson.Default.ListMemberSummary, cancellationToken);
        if (!OutputFormat.TryWrite(console.Out, format, members, CliJson.Default.ListMemberSummary))
        {
            Table.Write(console.Out, ["EMAIL", "NAME", "STATUS", "ROLES", "GROUPS", "ID"], members.Select(m =>
                (IReadOnlyList<string>)[m.Email, m.DisplayName, m.Status, string.Join(',', m.Roles), string.Join(',', m.Groups.Select(g => g.Name)), m.Id.ToString()]));
        }

        return ExitCodes.Ok;
    }

    public static async Task<int> ShowAsync(string emailOrId, string format, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var m = await FindAsync(api, emailOrId, cancellationToken);
        if (!OutputFormat.TryWrite(console.Out, format, m, CliJson.Default.MemberSummary))
        {
            var o = console.Out;
            o.WriteLine($"id:      {m.Id}");
            o.WriteLine($"email:   {m.Email}");
            o.WriteLine($"name:    {m.DisplayName}");
            o.WriteLine($"status:  {m.Status}");
            o.WriteLine($"roles:   {(m.Roles.Count == 0 ? "none on the organization" : $"{string.Join(", ", m.Roles)} on the organization")}");
            o.WriteLine($"groups:  {(m.Groups.Count == 0 ? "none" : string.Join(", ", m.Groups.Select(g => g.Name)))}");
            o.WriteLine();
            o.WriteLine($"Everything they may do, through groups and on clusters and VPCs too: latchkey access --user {m.Id}");
        }

        return ExitCodes.Ok;
    }

    public static async Task<int> SetActiveAsync(string emailOrId, bool active, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var member = await FindAsync(api, emailOrId, cancellationToken);
        var changed = await api.PostAsync($"api/v1/users/{member.Id}/{(active ? "enable" : "disable")}", CliJson.Default.MemberSummary, cancellationToken);
        console.Out.WriteLine(active
            ? $"Enabled {changed.Email}: their tokens that have not expired or been revoked work again."
            : $"Disabled {changed.Email}: their tokens and console sessions stop working at once.");
        return ExitCodes.Ok;
    }

    /// <summary>The member with that email (compared without case) or id, or a clear error.</summary>
    public static async Task<MemberSummary> FindAsync(ApiClient api, string emailOrId, CancellationToken cancellationToken) =>
        Match(await api.GetAsync("api/v1/users", CliJson.Default.ListMemberSummary, cancellationToken), emailOrId);

    public static MemberSummary Match(IEnumerable<MemberSummary> members, string emailOrId) =>
        members.FirstOrDefault(m => string.Equals(m.Email, emailOrId.Trim(), StringComparison.OrdinalIgnoreCase)
            || (Guid.TryParse(emailOrId, out var id) && m.Id == id))
        ?? throw new CliException($"No member with the email or id '{emailOrId}' exists in your organization. 'latchkey users list' shows them.");

    private static Command List(CliConsole console, CliEnvironment env)
    {
        var output = OutputFormat.Option();
        var command = new Command("list", "List the members: email, name, status (active, invited, disabled), roles on the organization and groups.") { output };
        command.Aliases.Add("ls");
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await ListAsync(parse.GetValue(output)!, console, api, cancellationToken);
        });
        return command.WithExamples("latchkey users list", "latchkey users list -o json");
    }

    private static Command Show(CliConsole console, CliEnvironment env)
    {
        var user = new Argument<string>("user") { Description = "The member's email or id." };
        var output = OutputFormat.Option();
        var command = new Command("show", "Show one member: status, roles on the organization and groups.") { user, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await ShowAsync(parse.GetValue(user)!, parse.GetValue(output)!, console, api, cancellationToken);
        });
        return command.WithExamples("latchkey users show dev@example.com", "latchkey users show dev@example.com -o json");
    }

    private static Command SetActive(string name, bool active, CliConsole console, CliEnvironment env)
    {
        var user = new Argument<string>("user") { Description = "The member's email or id." };
        var command = new Command(name, active
            ? "Enable a member again: their tokens that have not expired or been revoked work again."
            : "Disable a member: their tokens and console sessions stop working at once, at every door. 'enable' undoes it.") { user };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await SetActiveAsync(parse.GetValue(user)!, active, console, api, cancellationToken);
        });
        return command.WithExamples($"latchkey users {name} dev@example.com", $"latchkey users {name} 0196f7b2-5c1e-7a3d-9f00-1b2c3d4e5f60");
    }
}
