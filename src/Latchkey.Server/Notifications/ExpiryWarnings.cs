using Latchkey.Data;
using Latchkey.Server.Tokens;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Notifications;

/// <summary>
/// Queues a warning for each live token that expires within 30, 7 or 1 days: one notice per token
/// and threshold, ever (the dedup key <c>token.expiring:&lt;days&gt;:&lt;tokenId&gt;</c> is unique in the
/// store, so replicas running this at once and repeated runs queue nothing twice). Only the
/// nearest threshold is queued, so a token first seen 5 days before it expires gets the 7-day
/// warning alone, not the 30-day one too.
/// </summary>
internal sealed class ExpiryWarnings(
    IDbContextFactory<LatchkeyDbContext> store,
    OwnerNotices notices,
    IOptions<NotificationOptions> options,
    IOptions<LatchkeyOptions> latchkey,
    TimeProvider time,
    ILogger<ExpiryWarnings> logger)
    : PeriodicJob(options.Value.ExpiryCheckInterval, time, logger)
{
    public const string Kind = "token.expiring";

    /// <summary>Days before expiry at which the owner is warned, nearest first.</summary>
    private static readonly int[] Thresholds = [1, 7, 30];

    protected override bool Active => options.Value.AnyChannel;

    public static string DedupKey(int days, string tokenId) => $"{Kind}:{days}:{tokenId}";

    /// <summary>
    /// The nearest threshold the token is within, or null. A threshold that is not shorter than the
    /// token's whole lifetime does not count: a token made for 7 days (or a one-hour exec credential)
    /// is not news the moment it is made.
    /// </summary>
    public static int? Threshold(DateTimeOffset createdAt, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        foreach (var days in Thresholds)
        {
            var window = TimeSpan.FromDays(days);
            if (expiresAt - now <= window)
            {
                return expiresAt - createdAt > window ? days : null;
            }
        }

        return null;
    }

    /// <returns>How many warnings were queued.</returns>
    public override async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        if (!Active)
        {
            return 0;
        }

        var now = Time.GetUtcNow();
        var horizon = now.AddDays(Thresholds[^1]);
        List<Warning> due;
        HashSet<string> queued;
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var expiring = await db.AccessTokens.AsNoTracking().Live(now)
                .Where(t => t.ExpiresAt <= horizon && t.User.IsActive)
                .Select(t => new { t.Id, t.Name, t.OrganizationId, t.UserId, t.CreatedAt, ExpiresAt = t.ExpiresAt!.Value })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            due = [.. expiring
                .Select(t => (Token: t, Days: Threshold(t.CreatedAt, t.ExpiresAt, now)))
                .Where(x => x.Days is not null)
                .Select(x => new Warning(x.Token.Id, x.Token.Name, x.Token.OrganizationId, x.Token.UserId, x.Token.ExpiresAt, x.Days!.Value))];
            queued = await AlreadyQueuedAsync(db, due.Select(w => DedupKey(w.Days, w.TokenId)), cancellationToken).ConfigureAwait(false);
        }

        var count = 0;
        foreach (var warning in due.Where(w => !queued.Contains(DedupKey(w.Days, w.TokenId))))
        {
            var (subject, text) = NoticeText.Expiring(warning.TokenName, warning.TokenId, warning.ExpiresAt, warning.Days, latchkey.Value.PublicUrl);
            if (await notices.TryQueueAsync(warning.OrganizationId, warning.UserId, warning.TokenId, Kind, DedupKey(warning.Days, warning.TokenId),
                subject, text, cancellationToken).ConfigureAwait(false))
            {
                count++;
            }
        }

        if (count > 0)
        {
            Log.ExpiryWarningsQueued(Logger, count);
        }

        return count;
    }

    /// <summary>Keys queued before (by this replica or another), asked in chunks so that no query grows without bound.</summary>
    private static async Task<HashSet<string>> AlreadyQueuedAsync(LatchkeyDbContext db, IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in keys.Chunk(500))
        {
            found.UnionWith(await db.OwnerNotices.Where(n => chunk.Contains(n.DedupKey)).Select(n => n.DedupKey)
                .ToListAsync(cancellationToken).ConfigureAwait(false));
        }

        return found;
    }

    private sealed record Warning(string TokenId, string TokenName, Guid OrganizationId, Guid UserId, DateTimeOffset ExpiresAt, int Days);
}
