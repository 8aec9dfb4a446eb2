using System.Data.Common;
using System.Globalization;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Operations;

/// <summary>
/// <c>latchkey-server audit export [--org SLUG] [--since ISO] [--until ISO] [--out FILE]</c>: the
/// audit log as JSON lines, in exactly the format of <c>GET /api/v1/audit/export</c>, straight
/// from the store (for an archive or a SIEM, without an admin token).
/// </summary>
internal static class AuditExportCommand
{
    public const string Usage = "usage: latchkey-server audit export [--org SLUG] [--since ISO-8601] [--until ISO-8601] [--out FILE] [--Latchkey:DataDir=DIR ...]";

    public static async Task<int> RunAsync(string[] args, Stream standardOutput, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(standardOutput);
        ArgumentNullException.ThrowIfNull(error);
        var (parsed, problem) = CommandArguments.Parse(args, [], ["--org", "--since", "--until", "--out"]);
        DateTimeOffset? since = null, until = null;
        if (parsed is { Operands: [var extra, ..] })
        {
            problem = $"unexpected '{extra}'.";
        }
        else if (parsed is not null && (!TryParseTime(parsed.Value("--since"), out since) | !TryParseTime(parsed.Value("--until"), out until)))
        {
            problem = "--since and --until take a UTC time or date in ISO 8601, such as 2026-11-01 or 2026-11-01T12:00:00Z.";
        }

        if (parsed is null || problem is not null)
        {
            await error.WriteLineAsync($"error: {problem}\n{Usage}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        await using var app = StoreCommands.CreateHost(parsed.Configuration);
        var settings = app.Services.GetRequiredService<IOptions<LatchkeyOptions>>().Value;
        if (!Store.IsPostgres(settings) && !File.Exists(StoreCommands.DatabasePath(settings)))
        {
            await error.WriteLineAsync($"error: there is no database at {StoreCommands.DatabasePath(settings)}; check --Latchkey:DataDir.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var db = await app.Services.GetRequiredService<IDbContextFactory<LatchkeyDbContext>>().CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            Guid? organization = null;
            try
            {
                if (parsed.Value("--org") is { } slug)
                {
                    organization = await db.Organizations.Where(o => o.Slug == slug).Select(o => (Guid?)o.Id).SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
                    if (organization is null)
                    {
                        await error.WriteLineAsync($"error: there is no organization '{slug}'.").ConfigureAwait(false);
                        return ExitCodes.Failure;
                    }
                }

                var filter = new AuditExportFilter(organization, since, until);
                return parsed.Value("--out") is { } file
                    ? await ExportToFileAsync(db, filter, Path.GetFullPath(file), error, cancellationToken).ConfigureAwait(false)
                    : await ExportAsync(db, filter, standardOutput, cancellationToken).ConfigureAwait(false);
            }
            catch (DbException e)
            {
                await error.WriteLineAsync($"error: the store cannot be read: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }
    }

    private static async Task<int> ExportAsync(LatchkeyDbContext db, AuditExportFilter filter, Stream output, CancellationToken cancellationToken)
    {
        await AuditExport.WriteAsync(db, filter, output, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>Written to a temporary name and renamed, so the file is either the whole export or absent. Mode 0600: it names people and addresses.</summary>
    private static async Task<int> ExportToFileAsync(LatchkeyDbContext db, AuditExportFilter filter, string path, TextWriter error, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder))
        {
            await error.WriteLineAsync($"error: the folder {folder} does not exist.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var partial = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.partial");
        try
        {
            long lines;
            var output = new FileStream(partial, BackupArchive.PrivateFile(FileMode.CreateNew, FileAccess.Write));
            await using (output.ConfigureAwait(false))
            {
                lines = await AuditExport.WriteAsync(db, filter, output, cancellationToken).ConfigureAwait(false);
                output.Flush(flushToDisk: true);
            }

            File.Move(partial, path, overwrite: true);
            await error.WriteLineAsync($"{lines} audit events written to {path}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(partial);
            await error.WriteLineAsync($"error: cannot write {path}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private static bool TryParseTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (text is null)
        {
            return true;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return false;
        }

        time = parsed;
        return true;
    }
}
