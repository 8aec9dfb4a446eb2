using System.CommandLine;
using System.Net;
using Latchkey.Cli.Kubeconfigs;
using Latchkey.Cli.Output;

namespace Latchkey.Cli.Commands;

internal static class LogoutCommand
{
    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var command = new Command("logout", "Sign out: revoke the sign-in token on the server and forget it here.");
        command.SetAction(async (_, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await RunAsync(console, env, api, cancellationToken);
        });
        return command.WithExamples("latchkey logout");
    }

    public static async Task<int> RunAsync(CliConsole console, CliEnvironment env, ApiClient api, CancellationToken cancellationToken)
    {
        string? tokenId = api.TokenId;
        try
        {
            tokenId ??= (await api.GetAsync("api/v1/whoami", CliJson.Default.WhoAmI, cancellationToken)).Token.Id;
            await api.DeleteAsync($"api/v1/tokens/{ApiClient.Segment(tokenId)}", cancellationToken);
        }
        catch (ApiException e) when (e.Status == HttpStatusCode.Unauthorized)
        {
            // The token no longer works (expired or revoked): forgetting it is all that is left to do.
        }

        var stored = CliConfig.Stored(env);
        var fromEnvironment = env["LATCHKEY_TOKEN"] is not null;
        if (!fromEnvironment)
        {
            CliConfig.Save(env, stored with { Token = null, TokenId = null, ExpiresAt = null });
            ExecCredentialCache.Clear(env);
        }

        console.Out.WriteLine(tokenId is null
            ? "Signed out; the token had stopped working already."
            : $"Signed out: token {tokenId} is revoked.");
        if (fromEnvironment)
        {
            console.Error.WriteLine("Note: the token came from LATCHKEY_TOKEN; unset it, it no longer works.");
        }

        return ExitCodes.Ok;
    }
}
