using Latchkey.Data;
using Latchkey.Server.Data;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Operations;

/// <summary>
/// <c>latchkey-server restore PATH [--force]</c>: puts a backup's database and keys into the data
/// folder. Everything is checked in a staging folder first; the old files are only moved aside,
/// and moved back if anything fails, so a failed restore leaves the data folder as it was.
/// </summary>
internal static class RestoreCommand
{
    public const string Usage = "usage: latchkey-server restore PATH [--force] [--Latchkey:DataDir=DIR ...]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var (parsed, problem) = CommandArguments.Parse(args, ["--force"], []);
        if (parsed is null || parsed.Operands.Count != 1)
        {
            await error.WriteLineAsync($"error: {problem ?? "name the backup file to restore."}\n{Usage}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var archive = Path.GetFullPath(parsed.Operands[0]);
        if (!File.Exists(archive))
        {
            await error.WriteLineAsync($"error: there is no backup file at {archive}.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        await using var app = StoreCommands.CreateHost(parsed.Configuration);
        var settings = app.Services.GetRequiredService<IOptions<LatchkeyOptions>>().Value;
        if (Store.IsPostgres(settings))
        {
            await error.WriteLineAsync(StoreCommands.PostgresAdvice("restore it")).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using var hold = DataDirLock.TryExclusive(settings.DataDir);
        if (hold is null)
        {
            await error.WriteLineAsync($"error: a running server holds the data folder {settings.DataDir}; stop it (and every server sharing the folder) before restoring. Nothing was changed.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var layout = new DataLayout(settings);
        if (layout.HoldsData() && !parsed.Has("--force"))
        {
            await error.WriteLineAsync($"error: {settings.DataDir} already holds a Latchkey store; add --force to replace it with the backup. Nothing was changed.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        string? staging = null;
        try
        {
            staging = StoreCommands.CreatePrivateFolder(settings.DataDir, ".restore-");
            var manifest = await BackupArchive.ExtractAsync(archive, staging, cancellationToken).ConfigureAwait(false);
            CheckStaged(app, settings, manifest, staging, archive);
            layout.Replace(staging);
            await output.WriteLineAsync($"""
                Restored the backup of {manifest.CreatedAt:yyyy-MM-dd HH:mm:ss}Z into {settings.DataDir}.
                  schema {manifest.SchemaMigration}; token keys {string.Join(", ", manifest.KeyIds)}
                Start the server: it brings the schema up to date by itself.
                """).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is BackupException or IOException or UnauthorizedAccessException)
        {
            var unchanged = e is BackupException { DataFolderChanged: true } ? "" : " The data folder was not changed.";
            await error.WriteLineAsync($"error: {e.Message}{unchanged}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        finally
        {
            if (staging is not null && Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>The staged database is sound and known to this server, and its tokens' keys will be there.</summary>
    private static void CheckStaged(WebApplication app, LatchkeyOptions settings, BackupManifest manifest, string staging, string archive)
    {
        var migration = StoreCommands.Check(Path.Combine(staging, BackupArchive.DatabaseEntry));
        if (migration != manifest.SchemaMigration)
        {
            throw new BackupException($"{archive} is damaged: its database's schema ({migration}) is not the one its manifest names ({manifest.SchemaMigration}).");
        }

        using (var db = app.Services.GetRequiredService<IDbContextFactory<LatchkeyDbContext>>().CreateDbContext())
        {
            if (!db.Database.GetMigrations().Contains(migration))
            {
                throw new BackupException($"{archive} was made by a newer Latchkey (schema {migration} is unknown here); restore it with that version or a later one.");
            }
        }

        // The keys the server will digest with: configuration wins over the key file, as at start.
        IReadOnlyList<string> available;
        try
        {
            available = settings.TokenKeys.Keys.Count > 0 ? TokenKeyRing.Create(Options.Create(settings)).KeyIds
                : manifest.KeysIncluded ? TokenKeyRing.ReadFile(Path.Combine(staging, BackupArchive.KeyFileEntry)).KeyIds
                : [];
        }
        catch (Exception e) when (e is InvalidOperationException or System.Text.Json.JsonException)
        {
            throw new BackupException($"the token keys for {archive} do not read: {e.Message}", e);
        }

        if (manifest.KeyIds.Except(available, StringComparer.Ordinal).ToList() is { Count: > 0 } missing)
        {
            throw new BackupException($"the tokens in {archive} need the token keys {string.Join(", ", missing)}, which " +
                (manifest.KeysIncluded ? "Latchkey:TokenKeys (which the server uses instead of the key file) does not hold."
                    : "are not in the backup (they came from configuration) and are not configured in Latchkey:TokenKeys."));
        }
    }
}
