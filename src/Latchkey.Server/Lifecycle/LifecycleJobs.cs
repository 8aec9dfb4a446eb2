using Microsoft.Extensions.Options;

namespace Latchkey.Server.Lifecycle;

/// <summary>
/// Runs the token and console session lifecycle jobs and retention every <see cref="LatchkeyOptions.LifecycleInterval"/> on every
/// replica; each job is safe to run on several at once. A failed run is logged and tried again
/// at the next tick.
/// </summary>
internal sealed class LifecycleJobs(
    RotationSweep rotations, IdleTokenCleanup idle, Retention retention, SessionPruning sessions, IOptions<LatchkeyOptions> options, ILogger<LifecycleJobs> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.LifecycleInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await RunAsync("rotation sweep", rotations.RunOnceAsync, stoppingToken).ConfigureAwait(false);
                await RunAsync("idle tokens", async c => await idle.RunOnceAsync(c).ConfigureAwait(false), stoppingToken).ConfigureAwait(false);
                await RunAsync("retention", retention.RunOnceAsync, stoppingToken).ConfigureAwait(false);
                await RunAsync("console session pruning", sessions.RunOnceAsync, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the next start runs the jobs again.
        }
    }

    private async Task RunAsync<T>(string job, Func<CancellationToken, Task<T>> run, CancellationToken stoppingToken)
    {
        try
        {
            await run(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.LifecycleJobFailed(logger, job, e);
        }
    }
}
