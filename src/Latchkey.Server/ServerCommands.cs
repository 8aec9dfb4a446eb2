using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server;

/// <summary><c>latchkey-server keys rotate</c>: what an operator runs next to the server, with the same configuration.</summary>
internal static class ServerCommands
{
    public static int RotateKeys(string[] args)
    {
        var app = LatchkeyHost.Create(args);
        var settings = app.Services.GetRequiredService<IOptions<LatchkeyOptions>>().Value;
        if (settings.TokenKeys.Keys.Count > 0)
        {
            System.Console.Error.WriteLine("""
                The token keys come from configuration (Latchkey:TokenKeys), not the key file. To rotate:
                add Latchkey:TokenKeys:Keys:<new id> = <base64 of 32 random bytes>, set Latchkey:TokenKeys:Current
                to the new id, keep the old keys, and restart every replica.
                """);
            return 2;
        }

        var path = Path.Combine(settings.DataDir, TokenKeyRing.FileName);
        if (!File.Exists(path))
        {
            System.Console.Error.WriteLine($"There is no key file at {path}; start the server once to create it.");
            return 1;
        }

        var id = TokenKeyRing.RotateFile(path);
        System.Console.WriteLine($"New token key {id} is now current in {path}. Tokens made with older keys keep working until they expire.");
        System.Console.WriteLine("Restart the server (every replica sharing this key file) to use it.");
        try
        {
            // A change of the keys every token is digested with is a security event like any other: in the audit log (organization-wide: none).
            using var db = app.Services.GetRequiredService<IDbContextFactory<LatchkeyDbContext>>().CreateDbContext();
            db.AuditEvents.Add(app.Services.GetRequiredService<AuditLog>().Event("token-key.rotate", "success", null, "token-key", id,
                "new key made current in the key file by latchkey-server keys rotate"));
            db.SaveChanges();
        }
        catch (System.Data.Common.DbException e)
        {
            System.Console.Error.WriteLine($"error: key {id} is current, but its audit event could not be written to the store: {e.Message}");
            return 1;
        }

        return 0;
    }
}
