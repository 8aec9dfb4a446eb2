using Latchkey.Data;
using Latchkey.Server.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Notifications;

/// <summary>
/// Sends the owner notices that are due through every configured channel. Several replicas may
/// run this at once: a notice is claimed by a conditional update (its due time moves to the end of
/// a lease, only if nobody moved it first), so each try is made by one replica. A failed try is
/// retried with a doubling delay; after the last one the notice is given up and audited.
/// </summary>
internal sealed class NoticeDelivery(
    IDbContextFactory<LatchkeyDbContext> store,
    IEnumerable<INoticeChannel> channels,
    AuditLog audit,
    IOptions<NotificationOptions> options,
    TimeProvider time,
    ILogger<NoticeDelivery> logger)
    : PeriodicJob(options.Value.PollInterval, time, logger)
{
    private readonly NotificationOptions settings = options.Value;
    private readonly INoticeChannel[] enabled = [.. channels.Where(c => c.Enabled)];

    protected override bool Active => enabled.Length > 0;

    /// <returns>How many notices were delivered.</returns>
    public override async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        if (!Active)
        {
            return 0;
        }

        var now = Time.GetUtcNow();
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var due = await db.OwnerNotices.AsNoTracking()
                .Where(n => n.DueAt != null && n.DueAt <= now)
                .OrderBy(n => n.DueAt)
                .Take(settings.BatchSize)
                .Select(n => new Claim(n.Id, n.DueAt!.Value, n.Attempts))
                .ToListAsync(cancellationToken).ConfigureAwait(false);

            var delivered = 0;
            foreach (var candidate in due)
            {
                if (await TryClaimAsync(db, candidate, cancellationToken).ConfigureAwait(false) is { } lease
                    && await DeliverAsync(db, candidate with { Attempts = candidate.Attempts + 1 }, lease, cancellationToken).ConfigureAwait(false))
                {
                    delivered++;
                }
            }

            return delivered;
        }
    }

    /// <summary>Moves the due time to the end of a lease if nobody else did; returns the lease's end, or null when another replica has it.</summary>
    private async Task<DateTimeOffset?> TryClaimAsync(LatchkeyDbContext db, Claim candidate, CancellationToken cancellationToken)
    {
        // Whole milliseconds: every store keeps them exactly, so the lease can be compared for equality later.
        var lease = Truncate(Time.GetUtcNow() + settings.Lease);
        var claimed = await db.OwnerNotices
            .Where(n => n.Id == candidate.Id && n.DueAt == candidate.DueAt)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.DueAt, (DateTimeOffset?)lease).SetProperty(n => n.Attempts, n => n.Attempts + 1), cancellationToken)
            .ConfigureAwait(false);
        return claimed == 1 ? lease : null;
    }

    private async Task<bool> DeliverAsync(LatchkeyDbContext db, Claim claim, DateTimeOffset lease, CancellationToken cancellationToken)
    {
        var message = await ReadAsync(db, claim.Id, cancellationToken).ConfigureAwait(false);
        var failures = new List<string>();
        foreach (var channel in enabled)
        {
            try
            {
                await channel.SendAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (NoticeNotSentException e)
            {
                failures.Add($"{channel.Name}: {e.Message}");
            }
        }

        // Only the holder of the lease records the outcome; a replica whose lease ran out leaves it to the next holder.
        var mine = db.OwnerNotices.Where(n => n.Id == claim.Id && n.DueAt == lease);
        var now = Time.GetUtcNow();
        if (failures.Count == 0)
        {
            await mine.ExecuteUpdateAsync(s => s
                .SetProperty(n => n.DeliveredAt, (DateTimeOffset?)now)
                .SetProperty(n => n.DueAt, (DateTimeOffset?)null)
                .SetProperty(n => n.LastError, (string?)null), cancellationToken).ConfigureAwait(false);
            Log.NoticeDelivered(Logger, claim.Id, message.Kind);
            return true;
        }

        var reason = string.Join("; ", failures);
        reason = reason.Length > 500 ? reason[..500] : reason;
        if (claim.Attempts < settings.MaxAttempts)
        {
            var next = Truncate(now + RetryDelay(claim.Attempts));
            await mine.ExecuteUpdateAsync(s => s.SetProperty(n => n.DueAt, (DateTimeOffset?)next).SetProperty(n => n.LastError, reason), cancellationToken)
                .ConfigureAwait(false);
            Log.NoticeRetry(Logger, claim.Id, message.Kind, claim.Attempts, reason, next);
            return false;
        }

        await GiveUpAsync(db, mine, message, claim.Attempts, reason, now, cancellationToken).ConfigureAwait(false);
        return false;
    }

    private async Task GiveUpAsync(LatchkeyDbContext db, IQueryable<OwnerNotice> mine, NoticeMessage message, int attempts, string reason,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var mark = await mine.ExecuteUpdateAsync(s => s
                .SetProperty(n => n.GaveUpAt, (DateTimeOffset?)now)
                .SetProperty(n => n.DueAt, (DateTimeOffset?)null)
                .SetProperty(n => n.LastError, reason), cancellationToken).ConfigureAwait(false);
            if (mark == 0)
            {
                return;
            }

            var organizationId = await db.Users.Where(u => u.Id == message.UserId).Select(u => u.OrganizationId).SingleAsync(cancellationToken).ConfigureAwait(false);
            db.AuditEvents.Add(audit.Event("notice.failed", "failure", organizationId, "notice", message.NoticeId.ToString(),
                $"{message.Kind} for {message.Email}{(message.Token is { } t ? $" about token {t.Id}" : "")} given up after {attempts} tries: {reason}"));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        Log.NoticeGivenUp(Logger, message.NoticeId, message.Kind, attempts, reason);
    }

    /// <summary>The first retry after <see cref="NotificationOptions.RetryDelay"/>, then twice as long each time, up to the maximum.</summary>
    private TimeSpan RetryDelay(int attempts)
    {
        var factor = Math.Pow(2, Math.Min(attempts - 1, 30));
        var delay = settings.RetryDelay * factor;
        return delay > settings.MaxRetryDelay ? settings.MaxRetryDelay : delay;
    }

    private static async Task<NoticeMessage> ReadAsync(LatchkeyDbContext db, Guid id, CancellationToken cancellationToken)
    {
        var row = await db.OwnerNotices.AsNoTracking()
            .Where(n => n.Id == id)
            .Join(db.Users, n => n.UserId, u => u.Id, (n, u) => new { Notice = n, u.Email, u.Organization.Slug })
            .SingleAsync(cancellationToken).ConfigureAwait(false);
        var n = row.Notice;
        var token = n.TokenId is null ? null : await db.AccessTokens.AsNoTracking()
            .Where(t => t.Id == n.TokenId)
            .Select(t => new NoticeToken(t.Id, t.Name, t.ExpiresAt))
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return new NoticeMessage(n.Id, n.Kind, n.Subject, n.Text, row.Slug, n.UserId, row.Email, token ?? (n.TokenId is null ? null : new NoticeToken(n.TokenId, null, null)));
    }

    private static DateTimeOffset Truncate(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    private sealed record Claim(Guid Id, DateTimeOffset DueAt, int Attempts);
}
