using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Security;

/// <summary>The data folder as the real server process leaves it: the database, its journals, the keys, the console's keys, the service user's alone.</summary>
public class DataFolderTests
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = OwnerFile | UnixFileMode.UserExecute;

    [Fact]
    public async Task Everything_in_the_data_folder_is_owner_only_on_creation_and_after_every_start()
    {
        var dataDir = Directory.CreateTempSubdirectory("latchkey-modes-").FullName;
        try
        {
            // What an older version, a restore by hand or a careless copy may have left: readable by everyone.
            File.SetUnixFileMode(dataDir, OwnerFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            var stray = Path.Combine(dataDir, "notes.txt");
            await File.WriteAllTextAsync(stray, "left by hand");
            File.SetUnixFileMode(stray, OwnerFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            await using (var server = await ServerProcess.StartAsync(dataDir, new Dictionary<string, string>()))
            {
                using var browser = new HttpClient { BaseAddress = server.BaseAddress };
                // The sign-in page needs the console's data-protection keys, which makes them.
                (await browser.GetAsync("/signin")).EnsureSuccessStatusCode();
                using var client = new HttpClient { BaseAddress = server.BaseAddress };
                (await client.GetAsync("/readyz")).EnsureSuccessStatusCode();
                AssertOwnerOnly(dataDir);
                Assert.True(File.Exists(Path.Combine(dataDir, "latchkey.db-wal")), "the database runs in WAL mode, so its -wal file exists while it is open");
            }

            // A file widened while the server was down is narrowed at the next start.
            File.SetUnixFileMode(Path.Combine(dataDir, "latchkey.db"), OwnerFile | UnixFileMode.OtherRead);
            await using (await ServerProcess.StartAsync(dataDir, new Dictionary<string, string>()))
            {
                AssertOwnerOnly(dataDir);
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static void AssertOwnerOnly(string dataDir)
    {
        Assert.Equal(OwnerFolder, File.GetUnixFileMode(dataDir));
        var entries = new DirectoryInfo(dataDir).EnumerateFileSystemInfos("*", SearchOption.AllDirectories).ToList();
        Assert.Contains(entries, e => e.Name == "console-keys");
        foreach (var entry in entries)
        {
            Assert.True((entry is DirectoryInfo ? OwnerFolder : OwnerFile) == (File.GetUnixFileMode(entry.FullName) & (OwnerFolder | UnixFileMode.GroupRead
                | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)),
                $"{entry.FullName} is {File.GetUnixFileMode(entry.FullName)}");
        }
    }
}
