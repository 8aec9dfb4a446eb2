#if POSTGRES
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Operations;

/// <summary>On PostgreSQL the backup is PostgreSQL's: the commands say how, and that the token keys go with it.</summary>
public class PostgresBackupTests
{
    [Fact]
    public async Task On_PostgreSQL_backup_and_restore_point_to_pg_dump_and_the_token_keys_and_change_nothing()
    {
        await using var app = await TestApp.StartAsync();
        using var folder = new TempFolder();
        var dump = Path.Combine(folder.Path, "latchkey.dump");
        await File.WriteAllTextAsync(dump, "a pg_dump file");
        var admin = await app.LoginAsync();
        var token = await app.CreateTokenAsync(admin, new Latchkey.Core.Contracts.CreateTokenRequest("kept"));
        var tokens = await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Count()));

        var backup = await CommandRun.BackupAsync([dump + ".new", .. CommandRun.StoreOf(app)]);
        var restore = await CommandRun.RestoreAsync([dump, "--force", .. CommandRun.StoreOf(app)]);

        foreach (var run in new[] { backup, restore })
        {
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("pg_dump", run.Error, StringComparison.Ordinal);
            Assert.Contains("token-keys.json", run.Error, StringComparison.Ordinal);
        }

        Assert.Contains("pg_restore", restore.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dump + ".new"));
        Assert.Equal(tokens, await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Count())));
        using var client = app.Client(token.Secret);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
    }
}
#endif
