using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Kubeconfigs;

/// <summary>
/// Short-lived credentials kept between kubectl calls (each call starts <c>latchkey credential</c>
/// afresh): without this every kubectl command would mint a token. Files are 0600 in a 0700
/// folder under ~/.cache/latchkey, named by a hash of server, cluster and sign-in, and reused while
/// they have more than five minutes left. Each keeps the server Latchkey registered for the cluster,
/// so that a warm call can refuse a foreign server without asking.
/// </summary>
internal static class ExecCredentialCache
{
    private static readonly TimeSpan MinimumLeft = TimeSpan.FromMinutes(5);

    public static CachedCredential? Find(CliEnvironment env, Uri server, string cluster, string signIn)
    {
        var path = PathOf(env, server, cluster, signIn);
        try
        {
            var text = PrivateFiles.Read(path);
            var cached = text is null ? null : JsonSerializer.Deserialize(text, CliJson.Default.CachedCredential);
            return cached is { Credential: not null, Server: not null } && cached.Credential.ExpiresAt - env.Time.GetUtcNow() > MinimumLeft ? cached : null;
        }
        catch (Exception e) when (e is JsonException or CliException)
        {
            return null;
        }
    }

    public static void Store(CliEnvironment env, Uri server, string cluster, string signIn, CachedCredential cached) =>
        PrivateFiles.Write(PathOf(env, server, cluster, signIn), JsonSerializer.Serialize(cached, CliJson.Default.CachedCredential));

    public static void Clear(CliEnvironment env)
    {
        var folder = Path.Combine(env.CacheFolder, "credentials");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string PathOf(CliEnvironment env, Uri server, string cluster, string signIn)
    {
        // The sign-in token is part of the key (hashed), so that a new sign-in never reuses an old credential.
        var key = SHA256.HashData(Encoding.UTF8.GetBytes($"{server.AbsoluteUri}\n{cluster}\n{signIn}"));
        return Path.Combine(env.CacheFolder, "credentials", Convert.ToHexStringLower(key.AsSpan(0, 16)) + ".json");
    }
}

/// <summary>A cached exec credential and the cluster server it was made for.</summary>
internal sealed record CachedCredential(ClusterToken Credential, string Server);
