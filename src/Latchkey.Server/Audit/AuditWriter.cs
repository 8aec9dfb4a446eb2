using Microsoft.Extensions.Options;

namespace Latchkey.Server.Audit;

/// <summary>
/// Writes the tallied failures every <c>Latchkey:AuditFlushInterval</c> (one second), apart from the
/// slower write-behind of usage data, so a kill -9 loses at most about that much; and once more at shutdown.
/// </summary>
internal sealed class AuditWriter(AuditLog audit, IOptions<LatchkeyOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.AuditFlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await WriteAsync(CancellationToken.None).ConfigureAwait(false);
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
        await WriteAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await audit.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            audit.ReportWriteFailure(e);
        }

        audit.ReportDrops();
    }
}
