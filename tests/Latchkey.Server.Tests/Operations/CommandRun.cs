using Latchkey.Server.Operations;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Tests.Operations;

/// <summary>Runs a maintenance command in the test process, as the server's Program would, and keeps what it printed.</summary>
internal sealed record CommandRun(int ExitCode, string Output, string Error)
{
    public static async Task<CommandRun> BackupAsync(params string[] args)
    {
        using StringWriter output = new(), error = new();
        var code = await BackupCommand.RunAsync(args, output, error);
        return new CommandRun(code, output.ToString(), error.ToString());
    }

    public static async Task<CommandRun> RestoreAsync(params string[] args)
    {
        using StringWriter output = new(), error = new();
        var code = await RestoreCommand.RunAsync(args, output, error);
        return new CommandRun(code, output.ToString(), error.ToString());
    }

    public static async Task<CommandRun> AuditExportAsync(params string[] args)
    {
        using var output = new MemoryStream();
        using var error = new StringWriter();
        var code = await AuditExportCommand.RunAsync(args, output, error);
        return new CommandRun(code, System.Text.Encoding.UTF8.GetString(output.ToArray()), error.ToString());
    }

    /// <summary>The configuration a command needs to reach the store of <paramref name="app"/>: data folder and, on PostgreSQL, the database.</summary>
    public static string[] StoreOf(TestApp app)
    {
        var settings = app.Services.GetRequiredService<IOptions<LatchkeyOptions>>().Value;
        return settings.Database.ConnectionString is { } connection && TestApp.Provider == "postgres"
            ? [$"--Latchkey:DataDir={app.DataDir}", "--Latchkey:Database:Provider=postgres", $"--Latchkey:Database:ConnectionString={connection}"]
            : [$"--Latchkey:DataDir={app.DataDir}"];
    }
}

