using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Verification;

/// <summary>
/// The HMAC keys that turn tokens into digests. Kept outside the database (configuration or a
/// 0600 file in the data folder) so that a stolen database alone cannot be used to test guesses.
/// </summary>
internal sealed class TokenKeyRing
{
    public const string FileName = "token-keys.json";
    private const int MinimumKeyBytes = 32;

    private readonly byte[] currentKey;

    private TokenKeyRing(string currentKeyId, IReadOnlyDictionary<string, byte[]> keys)
    {
        CurrentKeyId = currentKeyId;
        currentKey = keys[currentKeyId];
        OlderKeys = [.. keys.Where(k => k.Key != currentKeyId).Select(k => (k.Key, k.Value))];
    }

    public string CurrentKeyId { get; }

    /// <summary>Keys kept so that tokens digested before a rotation still verify.</summary>
    public IReadOnlyList<(string Id, byte[] Key)> OlderKeys { get; }

    public TokenDigest Digest(ReadOnlySpan<char> token) => TokenDigest.Compute(currentKey, token);

    /// <summary>Every key's id, the current one first.</summary>
    public IReadOnlyList<string> KeyIds => [CurrentKeyId, .. OlderKeys.Select(k => k.Id)];

    public static TokenKeyRing Create(IOptions<LatchkeyOptions> options)
    {
        var settings = options.Value;
        return settings.TokenKeys.Keys.Count > 0
            ? FromConfiguration(settings.TokenKeys)
            : FromFile(Path.Combine(settings.DataDir, FileName));
    }

    private static TokenKeyRing FromConfiguration(TokenKeyOptions settings)
    {
        var keys = ParseKeys(settings.Keys);
        var current = settings.Current ?? (keys.Count == 1 ? keys.Keys.Single() : null)
            ?? throw new InvalidOperationException("Latchkey:TokenKeys:Current must name one of the configured keys.");
        if (!keys.ContainsKey(current))
        {
            throw new InvalidOperationException($"Latchkey:TokenKeys:Current names '{current}', which is not among the configured keys.");
        }

        return new TokenKeyRing(current, keys);
    }

    private static TokenKeyRing FromFile(string path)
    {
        if (!File.Exists(path))
        {
            WriteNewKeyFile(path);
        }
        else if (!OperatingSystem.IsWindows())
        {
            // The key is as sensitive as the tokens: never readable by others.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return ReadFile(path);
    }

    /// <summary>Reads a key file as the server does (every key checked); backups and restores check theirs with it.</summary>
    public static TokenKeyRing ReadFile(string path)
    {
        var file = JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(path), KeyFile.Json)
            ?? throw new InvalidOperationException($"The token key file {path} is empty.");
        return FromConfiguration(new TokenKeyOptions { Current = file.Current, Keys = file.Keys });
    }

    /// <summary>Every key's digest of a token, the current key's first: for lookups that must also find tokens made before a rotation.</summary>
    public IEnumerable<(string KeyId, TokenDigest Digest)> AllDigests(string token)
    {
        yield return (CurrentKeyId, Digest(token));
        foreach (var (id, key) in OlderKeys)
        {
            yield return (id, TokenDigest.Compute(key, token));
        }
    }

    /// <summary>
    /// Adds a new key to the key file and makes it the current one; the old keys stay, so tokens
    /// digested with them keep working until they expire. Returns the new key's id.
    /// </summary>
    public static string RotateFile(string path)
    {
        var file = JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(path), KeyFile.Json)
            ?? throw new InvalidOperationException($"The token key file {path} is empty.");
        var id = NewKeyId();
        file.Keys[id] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(MinimumKeyBytes));
        var temporary = path + ".new";
        File.Delete(temporary);
        Write(temporary, file with { Current = id });
        File.Move(temporary, path, overwrite: true);
        return id;
    }

    private static void WriteNewKeyFile(string path)
    {
        var id = NewKeyId();
        Write(path, new KeyFile(id, new() { [id] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(MinimumKeyBytes)) }));
    }

    private static string NewKeyId() => "k" + RandomNumberGenerator.GetHexString(8, lowercase: true);

    private static void Write(string path, KeyFile file)
    {
        var streamOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            streamOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, streamOptions);
        JsonSerializer.Serialize(stream, file, KeyFile.Json);
        stream.Flush(flushToDisk: true);
    }

    private static Dictionary<string, byte[]> ParseKeys(Dictionary<string, string> configured)
    {
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (id, text) in configured)
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                throw new InvalidOperationException($"Token key '{id}' is not base64.");
            }

            if (key.Length < MinimumKeyBytes)
            {
                throw new InvalidOperationException($"Token key '{id}' must be at least {MinimumKeyBytes} bytes.");
            }

            keys[id] = key;
        }

        return keys;
    }

    private sealed record KeyFile(string Current, Dictionary<string, string> Keys)
    {
        public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    }
}
