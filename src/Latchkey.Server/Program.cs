using Latchkey.Server;
using Latchkey.Server.Data;

var app = LatchkeyHost.Create(args);
await app.PrepareStoreAsync();
await app.RunAsync();
