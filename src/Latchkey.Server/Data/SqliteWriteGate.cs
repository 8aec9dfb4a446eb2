using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Latchkey.Server.Data;

/// <summary>
/// Lets one write transaction at a time begin on the SQLite file, and makes the others wait for
/// their turn asynchronously. SQLite has a single writer anyway; without this gate, concurrent
/// transactions meet SQLITE_BUSY at BEGIN and Microsoft.Data.Sqlite retries by blocking a
/// thread-pool thread for 150 ms, which under load turns into a collapse of token creation.
/// The gate is held from BEGIN until the transaction commits or rolls back, or else until its
/// connection is closed.
/// </summary>
internal sealed class SqliteWriteGate(TimeSpan timeout) : DbTransactionInterceptor, IDbConnectionInterceptor, IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Lock sync = new();
    private Guid? holder;

    public override InterceptionResult<DbTransaction> TransactionStarting(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        if (!Holds(eventData.ConnectionId))
        {
            if (!gate.Wait(timeout))
            {
                throw Busy();
            }

            Take(eventData.ConnectionId);
        }

        return result;
    }

    public override async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        if (!Holds(eventData.ConnectionId))
        {
            if (!await gate.WaitAsync(timeout, cancellationToken).ConfigureAwait(false))
            {
                throw Busy();
            }

            Take(eventData.ConnectionId);
        }

        return result;
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Release(eventData);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Release(eventData);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Release(eventData);
        return Task.CompletedTask;
    }

    // A transaction that failed to commit, or was only disposed after an exception, ends when its
    // connection closes at the latest: SQLite rolls it back then.
    public void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData) => Release(eventData?.ConnectionId);

    public Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData)
    {
        Release(eventData?.ConnectionId);
        return Task.CompletedTask;
    }

    public void Dispose() => gate.Dispose();

    private bool Holds(Guid connectionId)
    {
        // A connection whose earlier transaction was only disposed still holds the gate; its new
        // transaction goes on under it (one connection never has two transactions at once).
        lock (sync)
        {
            return holder == connectionId;
        }
    }

    private void Take(Guid connectionId)
    {
        lock (sync)
        {
            holder = connectionId;
        }
    }

    private void Release(TransactionEndEventData? eventData) => Release(eventData?.ConnectionId);

    private void Release(Guid? connectionId)
    {
        lock (sync)
        {
            if (connectionId is null || holder != connectionId)
            {
                return;
            }

            holder = null;
        }

        gate.Release();
    }

    private TimeoutException Busy() =>
        new($"Another write to the SQLite store did not finish within {timeout.TotalSeconds:0} seconds.");
}
