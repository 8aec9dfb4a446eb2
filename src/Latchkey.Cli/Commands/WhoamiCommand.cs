using System.CommandLine;
using Latchkey.Cli.Output;

namespace Latchkey.Cli.Commands;

internal static class WhoamiCommand
{
    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var output = OutputFormat.Option(OutputFormat.Table);
        var command = new Command("whoami", "Show who you are signed in as, in which organization, with which token.") { output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await RunAsync(parse.GetValue(output)!, console, api, cancellationToken);
        });
        return command.WithExamples("latchkey whoami", "latchkey whoami -o json");
    }

    public static async Task<int> RunAsync(string format, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var me = await api.GetAsync("api/v1/whoami", CliJson.Default.WhoAmI, cancellationToken);
        if (!OutputFormat.TryWrite(console.Out, format, me, CliJson.Default.WhoAmI))
        {
            console.Out.WriteLine($"{me.User.Email} ({me.User.DisplayName})");
            console.Out.WriteLine($"organization: {me.Organization.Name} ({me.Organization.Slug})");
            console.Out.WriteLine($"server:       {api.Server}");
            console.Out.WriteLine($"token:        {me.Token.Id} \"{me.Token.Name}\", expires {Table.Time(me.Token.ExpiresAt)}");
        }

        return ExitCodes.Ok;
    }
}
