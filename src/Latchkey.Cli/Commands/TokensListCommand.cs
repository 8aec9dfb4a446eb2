using System.CommandLine;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Commands;

internal static class TokensListCommand
{
    private const int MaxPages = 50;

    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var status = new Option<string?>("--status") { Description = "Only tokens with this status.", HelpName = "status" };
        status.AcceptOnlyFromAmong("active", "expired", "revoked");
        var all = new Option<bool>("--all") { Description = "Every token of your organization (needs the token-viewer or token-admin role)." };
        var output = OutputFormat.Option();
        var command = new Command("list", "List your tokens, newest first: name, status, expiry and last use. Never the secret. '!' marks tokens that expire within 7 days.") { status, all, output };
        command.Aliases.Add("ls");
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await RunAsync(parse.GetValue(status), parse.GetValue(all), parse.GetValue(output)!, console, api, env.Time.GetUtcNow(), cancellationToken);
        });
        return command.WithExamples("latchkey tokens list", "latchkey tokens list --status active -o json", "latchkey tokens list --all");
    }

    public static async Task<int> RunAsync(string? status, bool all, string format, CliConsole console, ApiClient api, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var tokens = await FetchAsync(api, status, all, cancellationToken);
        if (!OutputFormat.TryWrite(console.Out, format, tokens, CliJson.Default.ListTokenInfo))
        {
            var headers = all ? new[] { "ID", "NAME", "STATUS", "EXPIRES", "LAST USED", "VIA", "OWNER" } : ["ID", "NAME", "STATUS", "EXPIRES", "LAST USED", "VIA"];
            Table.Write(console.Out, headers, tokens.Select(t =>
            {
                string[] row = [t.Id, t.Name, Status(t.Status), Expires(t, now), Table.Time(t.LastUsedAt), t.CreatedVia];
                return (IReadOnlyList<string>)(all ? [.. row, t.Owner.Email] : row);
            }));
        }

        return ExitCodes.Ok;
    }

    /// <summary>Every page of the list (bounded), so that scripts see all tokens.</summary>
    public static async Task<List<TokenInfo>> FetchAsync(ApiClient api, string? status, bool all, CancellationToken cancellationToken)
    {
        var tokens = new List<TokenInfo>();
        string? cursor = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var query = $"api/v1/tokens?limit=200&owner={(all ? "all" : "me")}" + (status is null ? "" : $"&status={status}")
                + (cursor is null ? "" : $"&cursor={ApiClient.Segment(cursor)}");
            var result = await api.GetAsync(query, CliJson.Default.PageTokenInfo, cancellationToken);
            tokens.AddRange(result.Items);
            if ((cursor = result.NextCursor) is null)
            {
                break;
            }
        }

        return tokens;
    }

    /// <summary>The expiry; for an active token that expires within 7 days also <c>! in 3d</c>: time to replace it.</summary>
    public static string Expires(TokenInfo token, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(token);
        var text = Table.Time(token.ExpiresAt);
        if (token.Status != TokenStatus.Active || token.ExpiresAt is not { } at || at - now > TimeSpan.FromDays(7))
        {
            return text;
        }

        var left = at - now;
        var soon = left.TotalDays >= 1 ? $"{(int)left.TotalDays}d" : left.TotalHours >= 1 ? $"{(int)left.TotalHours}h" : $"{Math.Max(1, (int)left.TotalMinutes)}m";
        return $"{text} ! in {soon}";
    }

    public static string Status(TokenStatus status) => status switch
    {
        TokenStatus.Active => "active",
        TokenStatus.Expired => "expired",
        _ => "revoked",
    };
}
