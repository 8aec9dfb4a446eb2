namespace Latchkey.Server.Notifications;

/// <summary>
/// Runs <see cref="RunOnceAsync"/> at start and then on a timer of the injected clock, so tests
/// drive it with a fake clock or call it directly. A failed run is logged; the next one tries again.
/// </summary>
internal abstract class PeriodicJob(TimeSpan interval, TimeProvider time, ILogger logger) : BackgroundService
{
    protected TimeProvider Time { get; } = time;

    protected ILogger Logger { get; } = logger;

    /// <summary>False when there is nothing for the job to do in this configuration (no channel to send through).</summary>
    protected abstract bool Active { get; }

    /// <summary>One pass; returns how many things it did (notices sent, warnings queued).</summary>
    public abstract Task<int> RunOnceAsync(CancellationToken cancellationToken = default);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (interval <= TimeSpan.Zero || !Active)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, Time);
        try
        {
            do
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.JobFailed(Logger, GetType().Name, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; a notice claimed but not sent goes out from another run when its lease ends.
        }
    }
}
