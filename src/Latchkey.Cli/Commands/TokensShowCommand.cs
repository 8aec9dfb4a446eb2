using System.CommandLine;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Commands;

internal static class TokensShowCommand
{
    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var id = new Argument<string>("id") { Description = "The token's id (from 'latchkey tokens list')." };
        var output = OutputFormat.Option();
        var command = new Command("show", "Show one token, its uses per door over the last 7 and 30 days and the addresses it was used from last. Never its secret.") { id, output };
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
            o.WriteLine($"networks:   {(t.AllowedCidrs is { Count: > 0 } cidrs ? string.Join(", ", cidrs) : "anywhere")}");
            if (t.ReplacedBy is { } next)
            {
                o.WriteLine($"rotated:    replaced by {next}" + (t.Status != TokenStatus.Revoked
                    ? t.RetiresAt is { } end ? $", works until {Table.Time(end)}" : ", works until the replacement is first used" : ""));
            }

            if (t.RevokedAt is not null)
            {
                o.WriteLine($"revoked:    {Table.Time(t.RevokedAt)}{(t.RevocationReason is null ? "" : $" ({t.RevocationReason})")}");
            }

            WriteUsage(o, await api.GetAsync($"api/v1/tokens/{ApiClient.Segment(id)}/usage", CliJson.Default.TokenUsage, cancellationToken));
        }

        return ExitCodes.Ok;
    }

    private static void WriteUsage(TextWriter o, TokenUsage usage)
    {
        o.WriteLine();
        o.WriteLine($"Uses up to {usage.To:yyyy-MM-dd} (UTC days):");
        Table.Write(o, ["DOOR", "7 DAYS", "30 DAYS"], TokenUsage.Doors.Select(door =>
            (IReadOnlyList<string>)[door, Count(usage.Total(door, 7)), Count(usage.Total(door, 30))]));
        o.WriteLine();
        if (usage.RecentSources.Count == 0)
        {
            o.WriteLine("Recent addresses: none (not used yet).");
            return;
        }

        o.WriteLine("Recent addresses:");
        Table.Write(o, ["ADDRESS", "LAST SEEN (UTC)"], usage.RecentSources.Select(s => (IReadOnlyList<string>)[s.Address, Table.Time(s.LastSeenAt)]));
    }

    private static string Count(long n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
