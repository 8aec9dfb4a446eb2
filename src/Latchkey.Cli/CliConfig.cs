using System.Text.Json;

namespace Latchkey.Cli;

/// <summary>What <c>latchkey login</c> remembers. The token is a secret: the file is 0600.</summary>
internal sealed record CliSettings(string? Server, string? Token, string? TokenId = null, string? Email = null, DateTimeOffset? ExpiresAt = null);

/// <summary>
/// The CLI's settings: <c>~/.config/latchkey/config.json</c> (or under <c>$XDG_CONFIG_HOME</c>),
/// with <c>LATCHKEY_SERVER</c> and <c>LATCHKEY_TOKEN</c> taking precedence, so that CI jobs need no file.
/// </summary>
internal static class CliConfig
{
    public static string PathOf(CliEnvironment env) => Path.Combine(env.ConfigFolder, "config.json");

    /// <summary>The file's settings alone, without the environment.</summary>
    public static CliSettings Stored(CliEnvironment env)
    {
        var path = PathOf(env);
        if (PrivateFiles.Read(path) is not { } text)
        {
            return new CliSettings(null, null);
        }

        try
        {
            return JsonSerializer.Deserialize(text, CliJson.Default.CliSettings) ?? new CliSettings(null, null);
        }
        catch (JsonException e)
        {
            throw new CliException($"{path} is not valid JSON ({e.Message}); fix it or sign in again with 'latchkey login'.");
        }
    }

    /// <summary>The settings in force: the environment over the file. A token from the environment has no known id.</summary>
    public static CliSettings Effective(CliEnvironment env)
    {
        var stored = Stored(env);
        var token = env["LATCHKEY_TOKEN"];
        return stored with
        {
            Server = env["LATCHKEY_SERVER"] ?? stored.Server,
            Token = token ?? stored.Token,
            TokenId = token is null ? stored.TokenId : null,
        };
    }

    public static void Save(CliEnvironment env, CliSettings settings) =>
        PrivateFiles.Write(PathOf(env), JsonSerializer.Serialize(settings, CliJson.Default.CliSettings) + "\n");

    /// <summary>A client for the server in force, signed in; or a clear message saying how to sign in.</summary>
    public static ApiClient Connect(CliEnvironment env, TimeSpan? timeout = null)
    {
        var settings = Effective(env);
        if (settings.Server is null || settings.Token is null)
        {
            throw new CliException("You are not signed in. Run 'latchkey login --server URL', or set LATCHKEY_SERVER and LATCHKEY_TOKEN.");
        }

        return new ApiClient(ParseServer(settings.Server), settings.Token, settings.TokenId, timeout);
    }

    /// <summary>True when a server and a token are configured (so that lookups can be tried).</summary>
    public static bool IsSignedIn(CliEnvironment env) => Effective(env) is { Server: not null, Token: not null };

    public static Uri ParseServer(string text)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var server) || server.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(server.Query))
        {
            throw new UsageException($"'{text}' is not a server address; give one such as https://latchkey.example.com.");
        }

        return server;
    }
}
