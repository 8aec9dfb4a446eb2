using Latchkey.Server;
using Latchkey.Server.Data;

// Maintenance commands share the server's configuration (data folder, keys) but serve nothing.
if (args is ["keys", "rotate", .. var rest])
{
    return ServerCommands.RotateKeys(rest);
}

var app = LatchkeyHost.Create(args);
await app.PrepareStoreAsync();
await app.RunAsync();
return 0;
