using System.Diagnostics;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>
/// A small tmpfs mounted on a fresh folder: a disk that fills up, or a read-only one. Tests run as
/// root, and root writes through any file mode, so a mount is the only honest way to refuse writes.
/// Skipped with the reason (a failure under LATCHKEY_TEST_REQUIRE_ALL) when the machine cannot mount.
/// </summary>
public sealed class Tmpfs : IAsyncDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    public static async Task<Tmpfs> MountAsync(string size, bool readOnly = false)
    {
        Requires.Capability(Environment.UserName == "root", "mounting a tmpfs needs root");
        var path = Directory.CreateTempSubdirectory("latchkey-tmpfs-").FullName;
        var (code, output) = await RunAsync("mount", ["-t", "tmpfs", "-o", $"{(readOnly ? "ro," : "")}size={size},mode=0700", "tmpfs", path]);
        if (code != 0)
        {
            Directory.Delete(path);
            Requires.Capability(false, $"mount -t tmpfs failed: {output.Trim()}");
        }

        return new Tmpfs(path);
    }

    public async Task RemountReadOnlyAsync()
    {
        var (code, output) = await RunAsync("mount", ["-o", "remount,ro", Path]);
        Assert.True(code == 0, $"remount read-only failed: {output}");
    }

    /// <summary>Writes a file until the disk refuses more; returns the file.</summary>
    public string Fill()
    {
        var filler = System.IO.Path.Combine(Path, "filler");
        var block = new byte[64 * 1024];
        try
        {
            using var file = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, 1);
            while (true)
            {
                file.Write(block);
            }
        }
        catch (IOException)
        {
            // No space left on device: what was wanted.
        }

        return filler;
    }

    public async ValueTask DisposeAsync()
    {
        // Lazily: a process that still has a file open there must not keep the mount (or the test) alive.
        await RunAsync("umount", ["-l", Path]);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover empty temp folder is harmless.
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await errors);
    }
}
