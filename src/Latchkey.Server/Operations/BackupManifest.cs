using System.Text.Json;
using System.Text.Json.Serialization;

namespace Latchkey.Server.Operations;

/// <summary>
/// The first entry of a backup archive: what it holds and what it needs. A restore reads it
/// before anything else and refuses a backup it cannot restore completely.
/// </summary>
internal sealed record BackupManifest(
    string Format,
    int Version,
    DateTimeOffset CreatedAt,
    string Provider,
    string SchemaMigration,
    string CurrentKeyId,
    IReadOnlyList<string> KeyIds,
    bool KeysIncluded,
    IReadOnlyList<BackupFile> Files)
{
    public const string FormatName = "latchkey-backup";
    public const int CurrentVersion = 1;
    public const string EntryName = "manifest.json";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}

/// <summary>One file of the archive, by its name there, with its size and SHA-256 (hex) for the restore to check.</summary>
internal sealed record BackupFile(string Name, long Bytes, string Sha256);

/// <summary>A backup that cannot be made or restored, with the sentence to show.</summary>
internal sealed class BackupException(string message, Exception? inner = null, bool dataFolderChanged = false) : Exception(message, inner)
{
    /// <summary>True only when a restore failed halfway and could not put everything back.</summary>
    public bool DataFolderChanged { get; } = dataFolderChanged;
}
