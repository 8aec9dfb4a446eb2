using Latchkey.Data;
using Latchkey.Server.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Http;

internal static class Health
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        // Process alive. Also the bare endpoint that benchmarks compare against: no store, no auth.
        app.MapGet("/healthz", () => TypedResults.Text("ok")).WithTags("Health").AllowAnonymous();
        app.MapGet("/readyz", Ready).WithTags("Health").AllowAnonymous()
            .WithSummary("200 when this replica can serve; else 503 naming the cause (data disk full, database unreachable, timed out, migrations pending), within the request budget.");
        return app;
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Ready(
        LatchkeyDbContext db, IOptions<LatchkeyOptions> options, HttpContext http, ILogger<LatchkeyDbContext> logger, CancellationToken cancellationToken)
    {
        if (DataDisk.Problem(options.Value.DataDir) is { } disk)
        {
            return NotReady(http, logger, disk);
        }

        try
        {
            // A round trip first: SQLite's migration check reads a missing file as "nothing applied yet".
            await db.Database.ExecuteSqlRawAsync("SELECT 1", cancellationToken);
            var pending = await db.Database.GetPendingMigrationsAsync(cancellationToken);
            return pending.Any() ? NotReady(http, logger, "store migrations are pending") : TypedResults.Text("ready");
        }
        catch (Exception e) when (StoreFaults.Cause(e) is { } cause)
        {
            return NotReady(http, logger, cause);
        }
        catch (InvalidOperationException)
        {
            return NotReady(http, logger, StoreFaults.Unreachable);
        }
    }

    private static ProblemHttpResult NotReady(HttpContext http, ILogger logger, string cause)
    {
        Log.NotReady(logger, cause);
        http.Response.Headers.RetryAfter = StoreFaults.RetryAfterSeconds;
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready", detail: $"Not ready: {cause}.");
    }
}
