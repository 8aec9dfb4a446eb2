using System.CommandLine;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey access</c>: what you (a member, or one token) may do right now, where, and which policy says so.</summary>
internal static class AccessCommand
{
    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var user = new Option<string?>("--user") { Description = "Another member's id (needs the org-admin role).", HelpName = "id" };
        var token = new Option<string?>("--token") { Description = "One token's id: its owner's access narrowed by its scopes.", HelpName = "id" };
        var output = OutputFormat.Option(OutputFormat.Table);
        var command = new Command("access", "Show effective access: every permission, where it holds, and the policies that grant it.") { user, token, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(user) is not null && parse.GetValue(token) is not null)
            {
                console.Error.WriteLine("error: give --user or --token, not both.");
                return ExitCodes.Usage;
            }

            var path = parse.GetValue(token) is { } tokenId ? $"api/v1/tokens/{Uri.EscapeDataString(tokenId)}/access"
                : $"api/v1/users/{Uri.EscapeDataString(parse.GetValue(user) ?? "me")}/access";
            using var api = CliConfig.Connect(env);
            return await RunAsync(path, parse.GetValue(output)!, console, api, cancellationToken);
        });
        return command.WithExamples("latchkey access", "latchkey access --token 3k9x2m7q1w8e5r4t", "latchkey access --user 0196f7b2-... -o json");
    }

    public static async Task<int> RunAsync(string path, string format, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var access = await api.GetAsync(path, CliJson.Default.EffectiveAccess, cancellationToken);
        if (OutputFormat.TryWrite(console.Out, format, access, CliJson.Default.EffectiveAccess))
        {
            return ExitCodes.Ok;
        }

        var subject = access.TokenId is { } id ? $"token {id} of {access.Email}" : access.Email;
        console.Out.WriteLine(access.Active ? $"Access of {subject}:" : $"{access.Email} is disabled: no access at all.");
        if (access.TokenScopes is { } scopes)
        {
            console.Out.WriteLine($"scopes: {string.Join(' ', scopes)}");
        }

        console.Out.WriteLine();
        Table.Write(console.Out, ["PERMISSION", "WHERE", "GRANTED BY"],
            access.Grants.Select(g => (IReadOnlyList<string>)[g.Permission, Where(g.Scope),
                string.Join("; ", g.Via.Select(v => v.PolicyId is null ? "membership" : $"{v.Role} ({v.Principal})"))]));
        return ExitCodes.Ok;
    }

    private static string Where(AccessScope scope) => scope.Type == "organization" ? "organization" : $"{scope.Type} {scope.Name}";
}
