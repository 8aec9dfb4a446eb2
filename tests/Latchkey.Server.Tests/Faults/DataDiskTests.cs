#if !POSTGRES
using System.Diagnostics;
using System.Net;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Faults;

/// <summary>The disk under the data folder, full or read-only, with the real server process on a real mount.</summary>
public class DataDiskTests
{
    [Fact]
    public async Task Readyz_is_503_naming_the_disk_while_the_data_disk_is_full_and_200_again_once_there_is_room()
    {
        await using var disk = await Tmpfs.MountAsync("16m");
        await using var server = await ServerProcess.StartAsync(disk.Path, new Dictionary<string, string>());
        using var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);

        var filler = disk.Fill();
        var clock = Stopwatch.StartNew();
        using var full = await client.GetAsync("/readyz");
        StoreHangTests.Report($"/readyz with the data disk full: 503 after {clock.Elapsed.TotalMilliseconds:0} ms");
        await StoreHangTests.AssertUnavailableAsync(full, "/readyz", "disk is full");

        File.Delete(filler);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task A_read_only_data_folder_ends_the_start_with_one_line_on_stderr_and_a_non_zero_exit()
    {
        // A first start on a folder it cannot write.
        await using (var empty = await Tmpfs.MountAsync("1m", readOnly: true))
        {
            await AssertRefusedAsync(empty.Path);
        }

        // A store that was fine until its disk turned read-only (remounted after an I/O error, say).
        await using var disk = await Tmpfs.MountAsync("16m");
        await using (var first = await ServerProcess.StartAsync(disk.Path, new Dictionary<string, string>()))
        {
            Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(30)));
        }

        await disk.RemountReadOnlyAsync();
        await AssertRefusedAsync(disk.Path);
    }

    private static async Task AssertRefusedAsync(string dataDir)
    {
        await using var server = ServerProcess.Launch(dataDir, new Dictionary<string, string>());
        var exit = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit is not null, "the server kept running on a read-only data folder");
        Assert.NotEqual(0, exit);
        var lines = server.ErrorLines.Where(line => line.Length > 0).ToList();
        Assert.True(lines.Count == 1, $"expected one line on stderr, got {lines.Count}:\n{string.Join('\n', lines)}");
        Assert.Contains(dataDir, lines[0], StringComparison.Ordinal);
        Assert.Contains("read-only", lines[0], StringComparison.Ordinal);
    }
}
#endif
