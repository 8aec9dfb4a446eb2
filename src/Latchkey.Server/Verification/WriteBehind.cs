using Microsoft.Extensions.Options;

namespace Latchkey.Server.Verification;

/// <summary>Writes batched last-used times and usage counts on a timer, and once more at shutdown.</summary>
internal sealed class WriteBehind(LastUsedRecorder lastUsed, UsageRecorder usage, IOptions<LatchkeyOptions> options, ILogger<WriteBehind> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.WriteBehindInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: StopAsync writes what is left.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await lastUsed.FlushAsync(cancellationToken).ConfigureAwait(false);
            await usage.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.WriteBehindFailed(logger, e);
        }
    }
}
