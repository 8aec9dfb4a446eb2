#if !POSTGRES
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Operations;

/// <summary>Backup and restore of a SQLite data folder, with the real commands and a real server on the result.</summary>
public class BackupTests
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task A_backup_taken_while_tokens_are_created_restores_every_token_made_before_it_and_none_made_after()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        var before = await app.CreateTokenAsync(admin, new CreateTokenRequest("before the backup"));

        // Writers keep creating tokens through the backup; it must not wait for them, nor they for it.
        var acknowledged = new ConcurrentQueue<string>();
        var writing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            using var http = app.Client(admin);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var response = await http.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest($"writer {w} #{i}"));
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                acknowledged.Enqueue((await response.Content.ReadFromJsonAsync<CreatedToken>())!.Secret);
                if (acknowledged.Count >= 20)
                {
                    writing.TrySetResult();
                }
            }
        })).ToList();
        await writing.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var acknowledgedBefore = acknowledged.ToArray();

        using var folder = new TempFolder();
        var archive = Path.Combine(folder.Path, "latchkey.tar.gz");
        var backup = await CommandRun.BackupAsync(archive, $"--Latchkey:DataDir={app.DataDir}");
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        var after = await app.CreateTokenAsync(admin, new CreateTokenRequest("after the backup"));

        Assert.True(backup.ExitCode == 0, backup.Error);
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(archive));
        var restored = Path.Combine(folder.Path, "restored");
        var restore = await CommandRun.RestoreAsync(archive, $"--Latchkey:DataDir={restored}");
        Assert.True(restore.ExitCode == 0, restore.Error);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(restored));
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(Path.Combine(restored, "latchkey.db")));
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(Path.Combine(restored, "token-keys.json")));

        await using var server = await ServerProcess.StartAsync(restored, new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.OK, await WhoamiAsync(server, before.Secret));
        foreach (var secret in acknowledgedBefore)
        {
            Assert.Equal(HttpStatusCode.OK, await WhoamiAsync(server, secret));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await WhoamiAsync(server, after.Secret));
    }

    [Fact]
    public async Task Restore_refuses_the_data_folder_of_a_running_server_even_with_force()
    {
        await using var app = await TestApp.StartAsync();
        var token = await app.LoginAsync();
        using var folder = new TempFolder();
        var archive = Path.Combine(folder.Path, "latchkey.tar.gz");
        Assert.Equal(0, (await CommandRun.BackupAsync(archive, $"--Latchkey:DataDir={app.DataDir}")).ExitCode);
        var files = Snapshot(app.DataDir);
        var rows = await TokenRowsAsync(app);

        var restore = await CommandRun.RestoreAsync(archive, "--force", $"--Latchkey:DataDir={app.DataDir}");

        Assert.Equal(1, restore.ExitCode);
        Assert.Contains("running server", restore.Error, StringComparison.Ordinal);
        // The running server may checkpoint its WAL into the database file at any moment (write-behind,
        // background jobs), so the database is compared by what it holds; every other file byte for byte.
        var after = Snapshot(app.DataDir);
        Assert.Equal(files.Keys, after.Keys);
        Assert.Equal(files.Where(f => f.Key != "latchkey.db"), after.Where(f => f.Key != "latchkey.db"));
        Assert.Equal(rows, await TokenRowsAsync(app));
        using var client = app.Client(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
    }

    [Fact]
    public async Task Restore_over_an_existing_store_needs_force_and_then_replaces_it()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        using var folder = new TempFolder();
        var first = Path.Combine(folder.Path, "first.tar.gz");
        var second = Path.Combine(folder.Path, "second.tar.gz");
        Assert.Equal(0, (await CommandRun.BackupAsync(first, $"--Latchkey:DataDir={app.DataDir}")).ExitCode);
        var later = await app.CreateTokenAsync(admin, new CreateTokenRequest("only in the second backup"));
        Assert.Equal(0, (await CommandRun.BackupAsync(second, $"--Latchkey:DataDir={app.DataDir}")).ExitCode);
        var target = Path.Combine(folder.Path, "data");
        Assert.Equal(0, (await CommandRun.RestoreAsync(first, $"--Latchkey:DataDir={target}")).ExitCode);
        var files = Snapshot(target);

        var refused = await CommandRun.RestoreAsync(second, $"--Latchkey:DataDir={target}");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("--force", refused.Error, StringComparison.Ordinal);
        Assert.Equal(files, Snapshot(target));
        Assert.Equal(0, BackupFiles.CountTokens(Path.Combine(target, "latchkey.db"), later.Id));

        var forced = await CommandRun.RestoreAsync(second, "--force", $"--Latchkey:DataDir={target}");

        Assert.True(forced.ExitCode == 0, forced.Error);
        Assert.Equal(1, BackupFiles.CountTokens(Path.Combine(target, "latchkey.db"), later.Id));
        Assert.Empty(Directory.EnumerateFileSystemEntries(target, ".*"));
    }

    public static TheoryData<string, string> DamagedBackups => new()
    {
        { "random bytes", "not a Latchkey backup" },
        { "an archive of something else", "does not start with manifest.json" },
        { "a backup cut short", "damaged" },
        { "a backup whose database was altered", "does not match the checksum" },
        { "a backup from a newer format", "newer Latchkey" },
    };

    [Theory]
    [MemberData(nameof(DamagedBackups))]
    public async Task Restoring_a_damaged_or_foreign_file_fails_with_a_clear_message_and_leaves_the_data_intact(string kind, string message)
    {
        await using var app = await TestApp.StartAsync();
        using var folder = new TempFolder();
        var good = Path.Combine(folder.Path, "good.tar.gz");
        Assert.Equal(0, (await CommandRun.BackupAsync(good, $"--Latchkey:DataDir={app.DataDir}")).ExitCode);
        var target = Path.Combine(folder.Path, "data");
        Assert.Equal(0, (await CommandRun.RestoreAsync(good, $"--Latchkey:DataDir={target}")).ExitCode);
        var files = Snapshot(target);
        var bad = Path.Combine(folder.Path, "bad.tar.gz");
        await BackupFiles.MakeAsync(kind, good, bad);

        var restore = await CommandRun.RestoreAsync(bad, "--force", $"--Latchkey:DataDir={target}");

        Assert.Equal(1, restore.ExitCode);
        Assert.Contains(message, restore.Error, StringComparison.Ordinal);
        Assert.Contains("not changed", restore.Error, StringComparison.Ordinal);
        Assert.Equal(files, Snapshot(target));
        Assert.Empty(Directory.EnumerateFileSystemEntries(target, ".*"));
    }

    [Fact]
    public async Task Backup_and_restore_say_what_is_wrong_with_their_arguments()
    {
        await using var app = await TestApp.StartAsync();
        using var folder = new TempFolder();
        var store = $"--Latchkey:DataDir={app.DataDir}";
        var existing = Path.Combine(folder.Path, "existing.tar.gz");
        await File.WriteAllTextAsync(existing, "keep me");

        var cases = new (string Name, Func<Task<CommandRun>> Run, int Code, string Message)[]
        {
            ("backup without a path", () => CommandRun.BackupAsync(store), 2, "usage"),
            ("backup with an unknown option", () => CommandRun.BackupAsync(existing, "--forse", store), 2, "unknown option --forse"),
            ("backup into a missing folder", () => CommandRun.BackupAsync(Path.Combine(folder.Path, "nowhere", "b.tar.gz"), store), 1, "does not exist"),
            ("backup over a file", () => CommandRun.BackupAsync(existing, store), 1, "--force"),
            ("restore of a missing file", () => CommandRun.RestoreAsync(Path.Combine(folder.Path, "missing.tar.gz"), $"--Latchkey:DataDir={folder.Path}/x"), 1, "no backup file"),
        };
        foreach (var (name, run, code, message) in cases)
        {
            var result = await run();
            Assert.True(code == result.ExitCode, $"{name}: exit {result.ExitCode}, {result.Error}");
            Assert.True(result.Error.Contains(message, StringComparison.Ordinal), $"{name}: {result.Error}");
        }

        Assert.Equal("keep me", await File.ReadAllTextAsync(existing));
        Assert.Equal([existing], Directory.GetFileSystemEntries(folder.Path));
    }

    private static async Task<HttpStatusCode> WhoamiAsync(ServerProcess server, string secret)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return (await http.GetAsync("/api/v1/whoami")).StatusCode;
    }

    /// <summary>
    /// Every file of a folder with a digest of its bytes, to show that nothing changed. The lock
    /// file and SQLite's -wal and -shm files are left out: a running server's reads touch those.
    /// </summary>
    private static Task<List<string>> TokenRowsAsync(TestApp app) => app.WithStoreAsync(db => Task.FromResult(
        db.AccessTokens.OrderBy(t => t.Id).Select(t => t.Id + ":" + t.UserId + ":" + t.RevokedAt).ToList()));

    private static SortedDictionary<string, string> Snapshot(string folder) =>
        new(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "latchkey.lock" && !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(folder, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))),
            StringComparer.Ordinal);
}
#endif
