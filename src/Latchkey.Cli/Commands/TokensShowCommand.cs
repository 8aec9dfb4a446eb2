using System.CommandLine;
using Latchkey.Cli.Output;

namespace Latchkey.Cli.Commands;

internal static class TokensShowCommand
{
    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var id = new Argument<string>("id") { Description = "The token's id (from 'latchkey tokens list')." };
        var output = OutputFormat.Option();
        var command = new Command("show", "Show one token. Never its secret.") { id, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await RunAsync(parse.GetValue(id)!, parse.GetValue(output)!, console, api, cancellationToken);
        });
        return command.WithExamples("latchkey tokens show 0a1b2c3d4e5f6g7h", "latchkey tokens show 0a1b2c3d4e5f6g7h -o yaml");
    }

    public static async Task<int> RunAsync(string id, string format, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var t = await api.GetAsync($"api/v1/tokens/{ApiClient.Segment(id)}", CliJson.Default.TokenInfo, cancellationToken);
        if (!OutputFormat.TryWrite(console.Out, format, t, CliJson.Default.TokenInfo))
        {
            var o = console.Out;
            o.WriteLine($"id:         {t.Id}");
            o.WriteLine($"name:       {t.Name}");
            o.WriteLine($"note:       {t.Note ?? ""}");
            o.WriteLine($"status:     {TokensListCommand.Status(t.Status)}");
            o.WriteLine($"owner:      {t.Owner.Email}");
            o.WriteLine($"created:    {Table.Time(t.CreatedAt)} (via {t.CreatedVia})");
            o.WriteLine($"expires:    {Table.Time(t.ExpiresAt)}");
            o.WriteLine($"scopes:     {(t.Scopes is { } scopes ? string.Join(' ', scopes) : "none (all of the owner's rights)")}");
            o.WriteLine($"last used:  {Table.Time(t.LastUsedAt)}{(t.LastUsedFrom is null ? "" : $" from {t.LastUsedFrom}")}");
            if (t.RevokedAt is not null)
            {
                o.WriteLine($"revoked:    {Table.Time(t.RevokedAt)}");
            }
        }

        return ExitCodes.Ok;
    }
}
