using System.CommandLine;
using System.Globalization;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Commands;

internal static class TokensRotateCommand
{
    public const string GraceHelp = "How long the old secret keeps working: 0 (default: until the new one is first used), or 90s, 30m, 1h, 7d (at most 7 days).";

    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var id = new Argument<string?>("id") { Description = "The token's id (from 'latchkey tokens list').", Arity = ArgumentArity.ZeroOrOne };
        var self = new Option<bool>("--self") { Description = "Rotate the token this command signs in with (for automation); the CLI's own sign-in is updated to the new one." };
        var grace = new Option<string?>("--grace") { Description = GraceHelp, HelpName = "duration" };
        var output = OutputFormat.Option();
        var command = new Command("rotate", "Give a token a new secret, keeping its name, note and allowed networks. The new secret is printed once.")
        {
            id, self, grace, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var target = parse.GetValue(id);
            if ((target is null) == !parse.GetValue(self))
            {
                throw new UsageException("Name the token to rotate by its id, or give --self to rotate the one you sign in with (not both).");
            }

            var request = new RotateTokenRequest(ParseGrace(parse.GetValue(grace)));
            using var api = CliConfig.Connect(env);
            return await RunAsync(target, request, parse.GetValue(output)!, console, env, api, cancellationToken);
        });
        return command.WithExamples(
            "latchkey tokens rotate 0a1b2c3d4e5f6g7h",
            "latchkey tokens rotate 0a1b2c3d4e5f6g7h --grace 1h",
            "LATCHKEY_TOKEN=$OLD latchkey tokens rotate --self --grace 10m -o json | jq -r .secret");
    }

    /// <param name="id">Null rotates the token the client signs in with.</param>
    public static async Task<int> RunAsync(
        string? id, RotateTokenRequest request, string format, CliConsole console, CliEnvironment env, ApiClient api, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        var path = id is null ? "api/v1/tokens/self/rotate" : $"api/v1/tokens/{ApiClient.Segment(id)}/rotate";
        var created = await api.PostAsync(path, request, CliJson.Default.RotateTokenRequest, CliJson.Default.CreatedToken, cancellationToken);
        var oldId = created.Replaces?.TokenId ?? id;
        // The CLI's own stored sign-in was rotated: keep signing in, with the new secret.
        var stored = CliConfig.Stored(env);
        var ownSignIn = env["LATCHKEY_TOKEN"] is null && stored.TokenId is not null && stored.TokenId == oldId;
        if (ownSignIn)
        {
            CliConfig.Save(env, stored with { Token = created.Secret, TokenId = created.Id, ExpiresAt = created.ExpiresAt });
        }

        var until = created.Replaces?.RetiresAt is { } end ? $"until {Table.Time(end)} UTC" : "until the new one is first used";
        if (OutputFormat.TryWrite(console.Out, format, created, CliJson.Default.CreatedToken))
        {
            console.Error.WriteLine($"The secret is in this output only: it will not be shown again. The old secret works {until}.");
            return ExitCodes.Ok;
        }

        TokensCreateCommand.WriteSecret(console.Out, $"Rotated token \"{created.Name}\" ({oldId}): the new token is {created.Id}", created);
        console.Out.WriteLine($"The old secret works {until}.");
        if (ownSignIn)
        {
            console.Out.WriteLine("This was your sign-in token: the CLI now signs in with the new one.");
        }

        return ExitCodes.Ok;
    }

    /// <summary>0, or a whole number with s, m, h or d: the grace period in seconds.</summary>
    public static int? ParseGrace(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        if (text == "0")
        {
            return 0;
        }

        var seconds = char.ToLowerInvariant(text[^1]) switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => 0,
        };
        if (seconds == 0 || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || (long)count * seconds > int.MaxValue)
        {
            throw new UsageException($"--grace '{text}' is not understood. {GraceHelp}");
        }

        return count * seconds;
    }
}
