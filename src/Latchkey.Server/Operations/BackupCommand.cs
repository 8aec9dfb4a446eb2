using Latchkey.Server.Data;
using Latchkey.Server.Verification;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Operations;

/// <summary>
/// <c>latchkey-server backup PATH [--force]</c>: a consistent copy of the SQLite store, taken while
/// the server runs, in one archive with the token keys. PATH is a file, or a folder to put a
/// dated file in.
/// </summary>
internal static class BackupCommand
{
    public const string Usage = "usage: latchkey-server backup PATH [--force] [--Latchkey:DataDir=DIR ...]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var (parsed, problem) = CommandArguments.Parse(args, ["--force"], []);
        if (parsed is null || parsed.Operands.Count != 1)
        {
            await error.WriteLineAsync($"error: {problem ?? "name one file or folder to write the backup to."}\n{Usage}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        await using var app = StoreCommands.CreateHost(parsed.Configuration);
        var settings = app.Services.GetRequiredService<IOptions<LatchkeyOptions>>().Value;
        if (Store.IsPostgres(settings))
        {
            await error.WriteLineAsync(StoreCommands.PostgresAdvice("back it up")).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var time = app.Services.GetRequiredService<TimeProvider>();
        var now = time.GetUtcNow();
        var target = Path.GetFullPath(parsed.Operands[0]);
        if (Directory.Exists(target))
        {
            target = Path.Combine(target, $"latchkey-backup-{now:yyyyMMdd'T'HHmmss'Z'}.tar.gz");
        }

        var folder = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder))
        {
            await error.WriteLineAsync($"error: the folder {folder} does not exist; create it first (mode 0700: a backup is as secret as the data folder).").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        if (File.Exists(target) && !parsed.Has("--force"))
        {
            await error.WriteLineAsync($"error: {target} already exists; add --force to replace it.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var database = StoreCommands.DatabasePath(settings);
        if (!File.Exists(database))
        {
            await error.WriteLineAsync($"error: there is no database at {database}; check --Latchkey:DataDir (the server's data folder is {settings.DataDir}).").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        string? staging = null;
        try
        {
            // Staged next to the target, so that the finished archive is renamed into place, never half-written there.
            staging = StoreCommands.CreatePrivateFolder(folder, ".latchkey-backup-");
            var manifest = await WriteAsync(settings, database, target, staging, now, error, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"""
                Backup written to {target} (mode 0600).
                  database: {manifest.Files.Single(f => f.Name == BackupArchive.DatabaseEntry).Bytes} bytes, schema {manifest.SchemaMigration}
                  token keys: {string.Join(", ", manifest.KeyIds)}{(manifest.KeysIncluded ? "" : " (from configuration: NOT in the backup)")}
                Keep it as safe as the data folder: it holds what verifies every token.
                """).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is BackupException or IOException or UnauthorizedAccessException or SqliteException)
        {
            await error.WriteLineAsync($"error: the backup failed, nothing was written to {target}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        finally
        {
            if (staging is not null)
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private static async Task<BackupManifest> WriteAsync(
        LatchkeyOptions settings, string database, string target, string staging, DateTimeOffset now, TextWriter error, CancellationToken cancellationToken)
    {
        var snapshot = Path.Combine(staging, BackupArchive.DatabaseEntry);
        var migration = StoreCommands.Snapshot(database, snapshot);

        // The keys are read after the snapshot: keys are only ever added, so every token in the
        // snapshot was digested with a key that is in the file by now.
        var files = new List<(string Name, string Source)> { (BackupArchive.DatabaseEntry, snapshot) };
        TokenKeyRing keys;
        var keysIncluded = settings.TokenKeys.Keys.Count == 0;
        if (keysIncluded)
        {
            var keyFile = Path.Combine(settings.DataDir, TokenKeyRing.FileName);
            var copy = Path.Combine(staging, BackupArchive.KeyFileEntry);
            File.Copy(keyFile, copy);
            keys = TokenKeyRing.ReadFile(copy);
            files.Add((BackupArchive.KeyFileEntry, copy));
        }
        else
        {
            keys = TokenKeyRing.Create(Options.Create(settings));
            await error.WriteLineAsync("warning: the token keys come from configuration (Latchkey:TokenKeys) and are not in this backup; keep them with it, or no token in it will verify.").ConfigureAwait(false);
        }

        var consoleKeys = Path.Combine(settings.DataDir, BackupArchive.ConsoleKeysFolder);
        if (Directory.Exists(consoleKeys))
        {
            files.AddRange(Directory.EnumerateFiles(consoleKeys).Order(StringComparer.Ordinal)
                .Select(f => ($"{BackupArchive.ConsoleKeysFolder}/{Path.GetFileName(f)}", f)));
        }

        var manifest = new BackupManifest(BackupManifest.FormatName, BackupManifest.CurrentVersion, now, "sqlite", migration,
            keys.CurrentKeyId, keys.KeyIds, keysIncluded, []);
        var partial = Path.Combine(staging, "backup.tar.gz");
        manifest = await BackupArchive.WriteAsync(partial, manifest, files, cancellationToken).ConfigureAwait(false);
        File.Move(partial, target, overwrite: true);
        return manifest;
    }
}
