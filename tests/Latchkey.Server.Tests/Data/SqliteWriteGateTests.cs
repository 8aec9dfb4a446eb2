#if !POSTGRES
using Latchkey.Data;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Data;

/// <summary>
/// SQLite write transactions take turns through one gate. A transaction that fails, or is dropped
/// without commit or rollback, must hand the gate on: otherwise every later write would wait for
/// the gate's timeout and fail.
/// </summary>
public class SqliteWriteGateTests
{
    [Fact]
    public async Task Writes_go_on_after_a_failed_and_an_abandoned_write_transaction()
    {
        await using var app = await TestApp.StartAsync();
        var store = app.Services.GetRequiredService<IDbContextFactory<LatchkeyDbContext>>();
        var now = app.Time.GetUtcNow();

        // Both contexts stay open (and out of the pool) until the end: the gate must not depend on
        // the next user of the same pooled context finishing the transaction.
        await using var failed = await store.CreateDbContextAsync();
        var taken = await failed.AuditEvents.MaxAsync(e => e.Id);
        // Two inserts (so EF wraps them in a transaction), the first with an id that is taken.
        failed.AuditEvents.Add(new AuditEvent { Id = taken, Time = now, Action = "gate.duplicate", Outcome = "success" });
        failed.AuditEvents.Add(new AuditEvent { Time = now, Action = "gate.second", Outcome = "success" });
        await Assert.ThrowsAsync<DbUpdateException>(() => failed.SaveChangesAsync());

        await using var abandoned = await store.CreateDbContextAsync();
        var transaction = await abandoned.Database.BeginTransactionAsync();
        await abandoned.AuditEvents.Where(e => e.Action == "gate.none").ExecuteDeleteAsync();
        await transaction.DisposeAsync();

        var writers = Enumerable.Range(0, 20).Select(async i =>
        {
            await using var db = await store.CreateDbContextAsync();
            db.AuditEvents.Add(new AuditEvent { Time = now, Action = "gate.write", Outcome = "success", Detail = $"{i}" });
            db.AuditEvents.Add(new AuditEvent { Time = now, Action = "gate.write", Outcome = "success", Detail = $"{i}b" });
            await db.SaveChangesAsync();
        });
        await Task.WhenAll(writers);

        Assert.Equal(40, await app.WithStoreAsync(db => db.AuditEvents.CountAsync(e => e.Action == "gate.write")));
        Assert.Equal(0, await app.WithStoreAsync(db => db.AuditEvents.CountAsync(e => e.Action == "gate.second")));
    }
}
#endif
