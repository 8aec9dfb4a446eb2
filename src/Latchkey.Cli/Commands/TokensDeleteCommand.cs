using System.CommandLine;
using Latchkey.Cli.Output;

namespace Latchkey.Cli.Commands;

internal static class TokensDeleteCommand
{
    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var ids = new Argument<string[]>("id") { Description = "Ids of the tokens to delete.", Arity = ArgumentArity.OneOrMore };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (needed when there is no terminal)." };
        var command = new Command("delete", "Delete (revoke) tokens. They stop working at once and stay listed as revoked.") { ids, yes };
        command.Aliases.Add("rm");
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await RunAsync(parse.GetValue(ids)!, parse.GetValue(yes), console, api, cancellationToken);
        });
        return command.WithExamples("latchkey tokens delete 0a1b2c3d4e5f6g7h", "latchkey tokens delete 0a1b2c3d4e5f6g7h 7h6g5f4e3d2c1b0a --yes");
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> ids, bool yes, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        if (!yes && !console.Confirm($"Delete {ids.Count} token(s) ({string.Join(", ", ids)})? Anything using them stops working at once.", "delete"))
        {
            console.Out.WriteLine("Nothing was deleted.");
            return ExitCodes.Ok;
        }

        var failed = 0;
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            try
            {
                await api.DeleteAsync($"api/v1/tokens/{ApiClient.Segment(id)}", cancellationToken);
                console.Out.WriteLine($"Deleted token {id}.");
            }
            catch (ApiException e)
            {
                failed++;
                console.Error.WriteLine($"error: token {id}: {e.Message}");
            }
        }

        return failed == 0 ? ExitCodes.Ok : ExitCodes.Error;
    }
}
