using Latchkey.Server;
using Latchkey.Server.Data;
using Latchkey.Server.Operations;

// Maintenance commands share the server's configuration (data folder, store, keys) but serve nothing.
switch (args)
{
    case ["keys", "rotate", .. var rest]:
        return ServerCommands.RotateKeys(rest);
    case ["backup", .. var rest]:
        return await BackupCommand.RunAsync(rest, Console.Out, Console.Error);
    case ["restore", .. var rest]:
        return await RestoreCommand.RunAsync(rest, Console.Out, Console.Error);
    case ["audit", "export", .. var rest]:
        await using (var output = Console.OpenStandardOutput())
        {
            return await AuditExportCommand.RunAsync(rest, output, Console.Error);
        }
}

DataFolderMode.RestrictNewFiles();
var app = LatchkeyHost.Create(args);
try
{
    await app.PrepareStoreAsync();
}
catch (StartupRefusedException e)
{
    // A setting the operator must change: one line that says which and why, not a stack trace.
    await Console.Error.WriteLineAsync($"latchkey-server: {e.Message}");
    return ExitCodes.Failure;
}

await app.RunAsync();
return 0;
