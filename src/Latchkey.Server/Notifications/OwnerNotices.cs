using Latchkey.Data;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Notifications;

/// <summary>
/// Queues messages for token owners. Queuing only writes a row; delivery (e-mail, webhook) happens
/// in the background with retries, so a slow mail server never slows a request or a job down.
/// </summary>
internal sealed class OwnerNotices(IDbContextFactory<LatchkeyDbContext> store, TimeProvider time)
{
    /// <summary>Adds a notice to <paramref name="db"/>, to commit with the change it reports.</summary>
    public OwnerNotice Add(LatchkeyDbContext db, Guid organizationId, Guid userId, string? tokenId, string kind, string dedupKey, string subject, string text)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = time.GetUtcNow();
        var notice = new OwnerNotice
        {
            Id = Guid.CreateVersion7(now),
            OrganizationId = organizationId,
            UserId = userId,
            TokenId = tokenId,
            Kind = kind,
            DedupKey = dedupKey,
            Subject = subject,
            Text = text,
            CreatedAt = now,
            DueAt = now,
        };
        db.OwnerNotices.Add(notice);
        return notice;
    }

    /// <summary>
    /// Queues a notice on its own unless one with the same key exists (here or on another replica).
    /// Returns false when it was already there.
    /// </summary>
    public async Task<bool> TryQueueAsync(Guid organizationId, Guid userId, string? tokenId, string kind, string dedupKey, string subject, string text,
        CancellationToken cancellationToken = default)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            if (await db.OwnerNotices.AnyAsync(n => n.DedupKey == dedupKey, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            Add(db, organizationId, userId, tokenId, kind, dedupKey, subject, text);
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (DbUpdateException)
            {
                // Another replica may have queued the same notice between our check and our insert.
                db.ChangeTracker.Clear();
                if (await db.OwnerNotices.AnyAsync(n => n.DedupKey == dedupKey, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                throw;
            }
        }
    }
}
