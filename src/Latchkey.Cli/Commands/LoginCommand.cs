using System.CommandLine;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Commands;

internal static class LoginCommand
{
    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var server = new Option<string?>("--server") { Description = "The Latchkey server, such as https://latchkey.example.com (default: the one you signed in to last).", HelpName = "url" };
        var email = new Option<string?>("--email") { Description = "Your account's email address (asked for when missing).", HelpName = "email" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input instead of asking for it." };
        var command = new Command("login", "Sign in with your email and password; the CLI keeps the token it gets in ~/.config/latchkey/config.json (0600).")
        {
            server, email, passwordStdin,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var address = parse.GetValue(server) ?? CliConfig.Effective(env).Server
                ?? throw new UsageException("Say which server to sign in to: latchkey login --server https://latchkey.example.com");
            using var api = new ApiClient(CliConfig.ParseServer(address), token: null);
            return await RunAsync(parse.GetValue(email), parse.GetValue(passwordStdin), console, env, api, cancellationToken);
        });
        return command.WithExamples(
            "latchkey login --server https://latchkey.example.com",
            "latchkey login --server https://latchkey.example.com --email me@example.com",
            "pass show latchkey | latchkey login --server https://latchkey.example.com --email me@example.com --password-stdin");
    }

    public static async Task<int> RunAsync(string? email, bool passwordFromStdin, CliConsole console, CliEnvironment env, ApiClient api, CancellationToken cancellationToken)
    {
        email ??= console.Ask("Email: ") ?? throw new UsageException("Give --email: there is no terminal to ask for it on.");
        var password = passwordFromStdin
            ? (await console.In.ReadLineAsync(cancellationToken))?.TrimEnd('\r')
            : console.AskSecret("Password: ") ?? throw new UsageException("There is no terminal to ask for the password on: pipe it in with --password-stdin.");
        if (string.IsNullOrEmpty(password))
        {
            throw new UsageException("The password is empty.");
        }

        var previous = CliConfig.Stored(env);
        var login = await api.PostAsync("api/v1/login", new LoginRequest(email, password), CliJson.Default.LoginRequest, CliJson.Default.LoginResponse, cancellationToken);
        CliConfig.Save(env, new CliSettings(api.Server.AbsoluteUri, login.Token, login.TokenId, email, login.ExpiresAt));

        // Signing in again replaces the stored token: the old one is revoked rather than left working, unseen.
        if (previous is { Token: { } oldToken, TokenId: { } oldId, Server: { } oldServer } && oldId != login.TokenId
            && Uri.TryCreate(oldServer, UriKind.Absolute, out var oldUri) && oldUri == api.Server)
        {
            using var old = new ApiClient(oldUri, oldToken, timeout: TimeSpan.FromSeconds(5));
            try
            {
                await old.DeleteAsync($"api/v1/tokens/{ApiClient.Segment(oldId)}", cancellationToken);
            }
            catch (CliException)
            {
                // Expired or revoked already: nothing to clean up.
            }
        }

        console.Out.WriteLine($"Signed in to {api.Server} as {email}. The sign-in lasts until {Table.Time(login.ExpiresAt)} UTC (token {login.TokenId}); 'latchkey logout' ends it.");
        if (env["LATCHKEY_TOKEN"] is not null)
        {
            console.Error.WriteLine("Note: LATCHKEY_TOKEN is set in your environment and is used instead of this sign-in.");
        }

        return ExitCodes.Ok;
    }
}
