using Latchkey.Data;
using Latchkey.Server.Lifecycle;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Lifecycle;

public class SessionPruningTests
{
    [Fact]
    public async Task Ended_and_expired_console_sessions_are_deleted_in_batches_and_live_ones_are_kept()
    {
        await using var app = await TestApp.StartAsync();
        var now = app.Time.GetUtcNow();
        var live = await app.WithStoreAsync(async db =>
        {
            var admin = await db.Users.SingleAsync();
            ConsoleSession Session(TimeSpan expiresIn, string? endReason = null) => new()
            {
                Id = Guid.NewGuid(),
                UserId = admin.Id,
                CreatedAt = now - TimeSpan.FromHours(13),
                ExpiresAt = now + expiresIn,
                EndedAt = endReason is null ? null : now - TimeSpan.FromMinutes(1),
                EndReason = endReason,
            };

            // More than one batch of rows to delete.
            db.ConsoleSessions.AddRange(Enumerable.Range(0, SessionPruning.BatchSize + 3).Select(_ => Session(-TimeSpan.FromMinutes(1))));
            db.ConsoleSessions.AddRange(Enumerable.Range(0, 5).Select(_ => Session(TimeSpan.FromHours(1), "signed out")));
            db.ConsoleSessions.Add(Session(TimeSpan.Zero));
            var live = Session(TimeSpan.FromSeconds(1));
            db.ConsoleSessions.Add(live);
            await db.SaveChangesAsync();
            return live.Id;
        });

        var job = app.Services.GetRequiredService<SessionPruning>();
        Assert.Equal(SessionPruning.BatchSize + 3 + 5 + 1, await job.RunOnceAsync());
        Assert.Equal(0, await job.RunOnceAsync());

        Assert.Equal([live], await app.WithStoreAsync(db => db.ConsoleSessions.Select(s => s.Id).ToListAsync()));
    }
}
