using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Data;

/// <summary>
/// Whether this replica may answer from its caches. On SQLite there is one process, which applies
/// every change as it makes it: always. On PostgreSQL only while the replica has read every change
/// the others committed, as of at most <see cref="LatchkeyOptions.RevocationBound"/> ago (or, when
/// the operator chose availability, <see cref="LatchkeyOptions.ServeCachedDuringOutage"/>); past
/// that every answer comes from the store, so a replica cut off from the change log answers 503,
/// never a stale 200. Measured on the monotonic clock: this is about elapsed time, not the
/// service's notion of now.
/// </summary>
internal sealed class FeedCurrency(IOptions<LatchkeyOptions> options)
{
    private readonly bool alone = !Store.IsPostgres(options.Value);
    private readonly TimeSpan trusted = options.Value.ServeCachedDuringOutage > options.Value.RevocationBound
        ? options.Value.ServeCachedDuringOutage : options.Value.RevocationBound;

    // The start of the last read that saw every committed change; 0 before the first.
    private long confirmedAt;

    /// <summary>How long ago this replica last knew it had every change (zero on SQLite; infinite before the first read).</summary>
    public TimeSpan Lag => alone ? TimeSpan.Zero
        : Interlocked.Read(ref confirmedAt) is var at and not 0 ? Stopwatch.GetElapsedTime(at) : TimeSpan.MaxValue;

    public bool MayServeCached => alone || Lag <= trusted;

    /// <summary>A read that started at <paramref name="startedAt"/> (a <see cref="Stopwatch"/> timestamp) saw every change committed before it.</summary>
    public void Confirm(long startedAt) => Verification.Monotonic.RaiseTo(ref confirmedAt, startedAt);
}
