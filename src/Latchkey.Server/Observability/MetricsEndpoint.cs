using System.Text;
using Latchkey.Data;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Observability;

internal static class MetricsEndpoint
{
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        // Counts only, never an id or a name: safe on an internal network without a token.
        app.MapGet("/metrics", WriteAsync).WithTags("Health").AllowAnonymous()
            .WithSummary("Prometheus metrics: verifications by door and outcome, latency, cache, tokens, store errors.");
        return app;
    }

    private static async Task<IResult> WriteAsync(LatchkeyMetrics metrics, IDbContextFactory<LatchkeyDbContext> store, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var soon = now.AddDays(7);
        long? active = null, expiring = null;
        try
        {
            await using var db = await store.CreateDbContextAsync(cancellationToken);
            var live = db.AccessTokens.Where(t => t.RevokedAt == null && (t.ExpiresAt == null || t.ExpiresAt > now));
            active = await live.LongCountAsync(cancellationToken);
            expiring = await live.LongCountAsync(t => t.ExpiresAt <= soon, cancellationToken);
        }
        catch (System.Data.Common.DbException)
        {
            // The store is down: the gauges are left out, the counters still report (and show the errors).
            metrics.StoreError();
        }

        var text = new StringBuilder(4096);
        metrics.WriteTo(text, active, expiring);
        return TypedResults.Text(text.ToString(), "text/plain; version=0.0.4; charset=utf-8");
    }
}
