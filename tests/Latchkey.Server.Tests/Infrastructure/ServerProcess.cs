using System.Diagnostics;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>The real server as its own process (latchkey-server.dll from the test output), for tests that kill it.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> errorLines = new();

    private ServerProcess(Process process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<ServerProcess> StartAsync(string dataDir, IReadOnlyDictionary<string, string> settings)
    {
        var server = Launch(dataDir, settings);
        try
        {
            await server.WaitReadyAsync();
            return server;
        }
        catch (InvalidOperationException)
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Started and not waited for: for tests that stop it while it starts.</summary>
    public static ServerProcess Launch(string dataDir, IReadOnlyDictionary<string, string> settings)
    {
        var port = FreePort.Next();
        // As in TestApp: a loaded test machine is slower than the 2 s budget allows for cold requests.
        string[] budget = settings.ContainsKey("Latchkey:RequestBudget") ? [] : ["--Latchkey:RequestBudget=00:00:30"];
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "latchkey-server.dll"), "--urls", $"http://127.0.0.1:{port}",
            .. budget, .. settings.Select(s => $"--{s.Key}={s.Value}")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDir,
        };
        start.Environment["LATCHKEY_DATADIR"] = dataDir;
        start.Environment["LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD"] = TestApp.AdminPassword;
        start.Environment["LATCHKEY_BOOTSTRAP_ADMIN_EMAIL"] = TestApp.AdminEmail;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null)
            {
                server.errorLines.Enqueue(line.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    public bool HasExited => process.HasExited;

    /// <summary>What the process wrote to standard error, line by line (complete once it has exited and been waited for).</summary>
    public IReadOnlyList<string> ErrorLines => [.. errorLines];

    /// <summary>The exit code, or null if the process still runs after <paramref name="bound"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan bound)
    {
        using var wait = new CancellationTokenSource(bound);
        try
        {
            await process.WaitForExitAsync(wait.Token);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Polls /readyz for about 30 s; throws when the process exits or never becomes ready.</summary>
    public async Task WaitReadyAsync()
    {
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 300 && !process.HasExited; attempt++)
        {
            try
            {
                if ((await probe.GetAsync("/readyz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or too busy starting to answer within the probe's timeout: ask again.
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException(process.HasExited ? $"the server process exited with {process.ExitCode} before it became ready" : "the server process did not become ready");
    }

    /// <summary>SIGTERM, as systemctl stop and Kubernetes send it; returns the exit code, or null if it did not exit within the bound.</summary>
    public async Task<int?> TerminateAsync(TimeSpan bound)
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await kill.WaitForExitAsync();
        }

        using var wait = new CancellationTokenSource(bound);
        try
        {
            await process.WaitForExitAsync(wait.Token);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>SIGKILL: no shutdown, no flush, nothing but what was already durable survives.</summary>
    public async Task KillAsync()
    {
        process.Kill();
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
