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

// Installed before the store is touched: SIGTERM or SIGINT during start-up (systemctl restart, a
// pod deleted while starting) ends set-up between steps and the process exits 0, instead of the
// runtime's default of dying wherever it stood. The same token stops the running server.
using var stopping = new CancellationTokenSource();
using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
using var onInt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);

try
{
    var app = LatchkeyHost.Create(args);
    await app.PrepareStoreAsync(stopping.Token);
    if (!stopping.IsCancellationRequested)
    {
        await app.RunAsync(stopping.Token);
    }
}
catch (StartupRefusedException e)
{
    // A setting the operator must change: one line that says which and why, not a stack trace.
    await Console.Error.WriteLineAsync($"latchkey-server: {e.Message}");
    return ExitCodes.Failure;
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    // Asked to stop while starting: nothing half-done is left (a migration commits or rolls back whole).
}

return 0;

void Stop(System.Runtime.InteropServices.PosixSignalContext context)
{
    context.Cancel = true;
    stopping.Cancel();
}
