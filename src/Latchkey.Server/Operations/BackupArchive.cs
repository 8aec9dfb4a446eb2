using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Latchkey.Server.Verification;

namespace Latchkey.Server.Operations;

/// <summary>
/// A backup is one gzip-compressed tar file: <c>manifest.json</c> first, then the database, the
/// token key file and the console's keys. One file, so the database never travels without the keys
/// that make its tokens verifiable (and the file is as secret as the data folder: 0600).
/// </summary>
internal static class BackupArchive
{
    public const string DatabaseEntry = "latchkey.db";
    public const string KeyFileEntry = TokenKeyRing.FileName;
    public const string ConsoleKeysFolder = "console-keys";

    private const long MaxManifestBytes = 1 << 20;
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes a new archive at <paramref name="path"/> (which must not exist yet); the manifest lists the files with their checksums.</summary>
    public static async Task<BackupManifest> WriteAsync(string path, BackupManifest manifest, IReadOnlyList<(string Name, string Source)> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(files);
        var described = new List<BackupFile>();
        foreach (var (name, source) in files)
        {
            described.Add(new BackupFile(name, new FileInfo(source).Length, await Sha256Async(source, cancellationToken).ConfigureAwait(false)));
        }

        manifest = manifest with { Files = described };
        var output = new FileStream(path, PrivateFile(FileMode.CreateNew, FileAccess.Write));
        await using (output.ConfigureAwait(false))
        {
            var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
            await using (gzip.ConfigureAwait(false))
            {
                var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
                await using (tar.ConfigureAwait(false))
                {
                    using var manifestData = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(manifest, BackupManifest.Json));
                    await tar.WriteEntryAsync(Entry(BackupManifest.EntryName, manifestData, manifest.CreatedAt), cancellationToken).ConfigureAwait(false);
                    foreach (var (name, source) in files)
                    {
                        var data = File.OpenRead(source);
                        await using (data.ConfigureAwait(false))
                        {
                            await tar.WriteEntryAsync(Entry(name, data, manifest.CreatedAt), cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
            }

            output.Flush(flushToDisk: true);
        }

        return manifest;
    }

    /// <summary>
    /// Checks the archive against its manifest while extracting it into <paramref name="staging"/>
    /// (an empty folder). Anything unexpected is a <see cref="BackupException"/>, and nothing outside
    /// the staging folder is touched.
    /// </summary>
    public static async Task<BackupManifest> ExtractAsync(string path, string staging, CancellationToken cancellationToken)
    {
        var input = File.OpenRead(path);
        await using (input.ConfigureAwait(false))
        {
            try
            {
                var gzip = new GZipStream(input, CompressionMode.Decompress);
                await using (gzip.ConfigureAwait(false))
                {
                    var tar = new TarReader(gzip);
                    await using (tar.ConfigureAwait(false))
                    {
                        var manifest = await ReadManifestAsync(path, tar, cancellationToken).ConfigureAwait(false);
                        await ExtractFilesAsync(path, tar, manifest, staging, cancellationToken).ConfigureAwait(false);
                        return manifest;
                    }
                }
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
            {
                throw new BackupException($"{path} is not a Latchkey backup, or it is damaged: it does not read as a gzip-compressed tar archive ({e.Message})", e);
            }
        }
    }

    private static async Task<BackupManifest> ReadManifestAsync(string path, TarReader tar, CancellationToken cancellationToken)
    {
        var first = await tar.GetNextEntryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (first is not { Name: BackupManifest.EntryName, DataStream: { } data } || first.Length > MaxManifestBytes)
        {
            throw new BackupException($"{path} is not a Latchkey backup: it does not start with {BackupManifest.EntryName}.");
        }

        BackupManifest? manifest;
        try
        {
            manifest = await JsonSerializer.DeserializeAsync<BackupManifest>(data, BackupManifest.Json, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new BackupException($"{path} is not a Latchkey backup: its {BackupManifest.EntryName} does not read ({e.Message}).", e);
        }

        if (manifest is not { Format: BackupManifest.FormatName, Files: not null, KeyIds: not null, SchemaMigration: not null })
        {
            throw new BackupException($"{path} is not a Latchkey backup: its {BackupManifest.EntryName} is not a Latchkey manifest.");
        }

        if (manifest.Version > BackupManifest.CurrentVersion)
        {
            throw new BackupException($"{path} was made by a newer Latchkey (backup format {manifest.Version}); this one reads format {BackupManifest.CurrentVersion}. Restore it with that version.");
        }

        if (manifest.Provider != "sqlite")
        {
            throw new BackupException($"{path} is a backup of a {manifest.Provider} store; this command restores SQLite backups.");
        }

        var names = manifest.Files.Select(f => f.Name).ToList();
        if (!names.Contains(DatabaseEntry) || names.Contains(KeyFileEntry) != manifest.KeysIncluded
            || names.Distinct(StringComparer.Ordinal).Count() != names.Count || !names.All(IsAllowedName))
        {
            throw new BackupException($"{path} is not a complete Latchkey backup: its manifest lists {string.Join(", ", names)}.");
        }

        return manifest;
    }

    private static async Task ExtractFilesAsync(string path, TarReader tar, BackupManifest manifest, string staging, CancellationToken cancellationToken)
    {
        var expected = manifest.Files.ToDictionary(f => f.Name, StringComparer.Ordinal);
        while (await tar.GetNextEntryAsync(cancellationToken: cancellationToken).ConfigureAwait(false) is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !expected.Remove(entry.Name, out var file)
                || entry.DataStream is not { } data)
            {
                throw new BackupException($"{path} holds '{entry.Name}', which its manifest does not list; it is not a backup this server made.");
            }

            var target = Path.Combine(staging, file.Name);
            StoreCommands.EnsurePrivateFolder(Path.GetDirectoryName(target)!);
            var output = new FileStream(target, PrivateFile(FileMode.CreateNew, FileAccess.Write));
            await using (output.ConfigureAwait(false))
            {
                await data.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                output.Flush(flushToDisk: true);
            }

            if (new FileInfo(target).Length != file.Bytes || await Sha256Async(target, cancellationToken).ConfigureAwait(false) != file.Sha256)
            {
                throw new BackupException($"{path} is damaged: '{file.Name}' does not match the checksum in its manifest.");
            }
        }

        if (expected.Count > 0)
        {
            throw new BackupException($"{path} is damaged or incomplete: {string.Join(", ", expected.Keys)}, listed in its manifest, is missing.");
        }
    }

    /// <summary>Only the names a backup writes: never a path that could climb out of the data folder.</summary>
    private static bool IsAllowedName(string name) => name is DatabaseEntry or KeyFileEntry
        || (name.StartsWith(ConsoleKeysFolder + "/", StringComparison.Ordinal)
            && name[(ConsoleKeysFolder.Length + 1)..] is { Length: > 0 } leaf
            && !leaf.StartsWith('.') && leaf.IndexOfAny(['/', '\\', '\0']) < 0);

    private static PaxTarEntry Entry(string name, Stream data, DateTimeOffset time) => new(TarEntryType.RegularFile, name)
    {
        DataStream = data,
        Mode = OwnerOnly,
        ModificationTime = time,
    };

    public static FileStreamOptions PrivateFile(FileMode mode, FileAccess access)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        return options;
    }

    private static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
    }
}
