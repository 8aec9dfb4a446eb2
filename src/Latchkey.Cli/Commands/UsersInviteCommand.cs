using System.CommandLine;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Commands;

internal static class UsersInviteCommand
{
    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var email = new Argument<string>("email") { Description = "The email address of the person to invite." };
        var name = new Option<string?>("--name", "-n") { Description = "Their display name (default: the part of the email before the '@').", HelpName = "text" };
        var role = new Option<string?>("--role")
        {
            Description = "A role on the whole organization, such as cluster-viewer or org-admin (default: none; 'latchkey policies grant' adds more).",
            HelpName = "role",
        };
        var output = OutputFormat.Option();
        var command = new Command("invite", "Invite a member: creates the account and a one-time link to choose a password, printed once.") { email, name, role, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await RunAsync(new InviteMemberRequest(parse.GetValue(email), parse.GetValue(name), parse.GetValue(role)), parse.GetValue(output)!,
                console, api, cancellationToken);
        });
        return command.WithExamples(
            "latchkey users invite dev@example.com",
            "latchkey users invite dev@example.com --name 'Dana Dev' --role cluster-viewer",
            "latchkey users invite ops@example.com -o json | jq -r .invitationUrl");
    }

    public static async Task<int> RunAsync(InviteMemberRequest request, string format, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var invited = await api.PostAsync("api/v1/users", request, CliJson.Default.InviteMemberRequest, CliJson.Default.InvitedMember, cancellationToken);
        if (OutputFormat.TryWrite(console.Out, format, invited, CliJson.Default.InvitedMember))
        {
            console.Error.WriteLine("The invitation link is in this output only: it will not be shown again.");
            return ExitCodes.Ok;
        }

        var m = invited.Member;
        var roles = m.Roles.Count == 0 ? "no role yet" : $"{string.Join(", ", m.Roles)} on the organization";
        var o = console.Out;
        o.WriteLine($"Invited {m.Email} (id {m.Id}, {roles}).");
        o.WriteLine($"Send them this link to choose a password; it works once, until {Table.Time(invited.ExpiresAt)} UTC:");
        o.WriteLine();
        o.WriteLine($"    {invited.InvitationUrl}");
        o.WriteLine();
        o.WriteLine("Copy it now: it will not be shown again.");
        return ExitCodes.Ok;
    }
}
