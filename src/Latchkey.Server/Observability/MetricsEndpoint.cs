using System.Text;
using Latchkey.Data;
using Latchkey.Server.Tokens;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Observability;

internal static class MetricsEndpoint
{
    public const string AllowAnonymousSetting = "Latchkey:Metrics:AllowAnonymous";

    /// <summary>
    /// Counts only, never an id or a name; still, they tell an outsider how busy and how large an
    /// installation is, so a scraper shows a token with metrics:read (the metrics-reader role).
    /// <c>Latchkey:Metrics:AllowAnonymous</c> opens it, for a listener that only the scraper can reach.
    /// </summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        var anonymous = app.ServiceProvider.GetRequiredService<IConfiguration>().GetValue(AllowAnonymousSetting, false);
        var metrics = app.MapGet("/metrics", WriteAsync).WithTags("Health")
            .WithSummary("Prometheus metrics (a bearer token with metrics:read): verifications by door and outcome, latency, cache, tokens, store errors, retention, and the process and .NET runtime (memory, CPU, descriptors, threads, GC, thread pool, lock contention).");
        _ = anonymous ? metrics.AllowAnonymous() : metrics.RequireAuthorization();
        return app;
    }

    private static async Task<IResult> WriteAsync(HttpContext http, Iam.AccessEvaluator access, LatchkeyMetrics metrics, IDbContextFactory<LatchkeyDbContext> store,
        TimeProvider time, Data.FeedCurrency currency, CancellationToken cancellationToken)
    {
        if (http.Features.Get<Verification.Caller>() is { } caller && !await access.HasAsync(caller, Iam.Permissions.MetricsRead, cancellationToken: cancellationToken))
        {
            return Http.Problems.Forbidden("Reading /metrics needs the metrics:read permission (the metrics-reader role).");
        }

        var now = time.GetUtcNow();
        var soon = now.AddDays(7);
        long? active = null, expiring = null;
        try
        {
            await using var db = await store.CreateDbContextAsync(cancellationToken);
            var live = db.AccessTokens.Live(now);
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
        // How far behind the other replicas' changes this one may be (0 on SQLite, where there are no others).
        var lag = currency.Lag;
        text.Append("# HELP latchkey_change_log_lag_seconds Time since this replica last confirmed it had read every committed change; its caches answer only while this is within the revocation bound.\n")
            .Append("# TYPE latchkey_change_log_lag_seconds gauge\n")
            .Append("latchkey_change_log_lag_seconds ")
            .Append(lag == TimeSpan.MaxValue ? "+Inf" : lag.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        RuntimeMetrics.WriteTo(text);
        return TypedResults.Text(text.ToString(), "text/plain; version=0.0.4; charset=utf-8");
    }
}
