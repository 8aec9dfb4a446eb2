using Latchkey.Data;
using Latchkey.Server.Notifications;
using Latchkey.Server.Tokens;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Lifecycle;

/// <summary>
/// Revokes tokens that went unused for the organization's <see cref="Organization.IdleRevokeDays"/>
/// (a token never used counts from its creation). The owner is warned first: 7 days before (half the
/// period when it is shorter than 14 days), or at once when that moment has already passed, and the
/// revocation then waits that long after the warning. Safe on several replicas and in repeated runs:
/// a warning is one notice per key, and the revocation is a conditional update that also checks the
/// token has not been used since it was looked at.
/// </summary>
internal sealed class IdleTokenCleanup(
    IDbContextFactory<LatchkeyDbContext> store, LastUsedRecorder lastUsed, TokenRevocation revocation, OwnerNotices notices,
    TimeProvider time, ILogger<IdleTokenCleanup> logger)
{
    public const string RevocationReason = "idle";
    public const string WarningKind = "token.idle-warning";
    public const string RevokedKind = "token.idle-revoked";

    public static TimeSpan WarningLead(int idleDays) => TimeSpan.FromHours(Math.Min(7 * 24, idleDays * 12));

    public static string WarningKey(string tokenId) => $"{WarningKind}:{tokenId}";

    public async Task<(int Warned, int Revoked)> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        // Uses this replica has seen but not yet written would look like no use at all.
        await lastUsed.FlushAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var (warned, revoked) = (0, 0);
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var organizations = await db.Organizations.AsNoTracking().Where(o => o.IdleRevokeDays != null)
                .Select(o => new { o.Id, Days = o.IdleRevokeDays!.Value }).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var organization in organizations)
            {
                var (w, r) = await RunAsync(db, organization.Id, organization.Days, now, cancellationToken).ConfigureAwait(false);
                warned += w;
                revoked += r;
            }
        }

        if (warned + revoked > 0)
        {
            Log.IdleTokensHandled(logger, warned, revoked);
        }

        return (warned, revoked);
    }

    private async Task<(int Warned, int Revoked)> RunAsync(LatchkeyDbContext db, Guid organizationId, int days, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var idleFor = TimeSpan.FromDays(days);
        var lead = WarningLead(days);
        var warnFrom = now - (idleFor - lead);
        var idle = await db.AccessTokens.AsNoTracking().Live(now)
            .Where(t => t.OrganizationId == organizationId && (t.LastUsedAt ?? t.CreatedAt) <= warnFrom)
            .Select(t => new IdleToken(t.Id, t.Name, t.UserId, t.LastUsedAt ?? t.CreatedAt))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var keys = idle.Select(t => WarningKey(t.Id)).ToList();
        var warnings = await db.OwnerNotices.AsNoTracking().Where(n => keys.Contains(n.DedupKey))
            .ToDictionaryAsync(n => n.DedupKey, n => n.CreatedAt, cancellationToken).ConfigureAwait(false);

        var (warned, revoked) = (0, 0);
        foreach (var token in idle)
        {
            var key = WarningKey(token.Id);
            var known = warnings.TryGetValue(key, out var warnedAt);
            if (!known || warnedAt < token.LastActive)
            {
                // Not yet warned for this stretch of idleness (a warning before its last use does not count).
                var revokeAt = Later(token.LastActive + idleFor, now + lead);
                var (subject, text) = Warning(token, days, revokeAt);
                if (known ? await RearmAsync(db, key, token.LastActive, subject, text, now, cancellationToken).ConfigureAwait(false)
                    : await notices.TryQueueAsync(organizationId, token.UserId, token.Id, WarningKind, key, subject, text, cancellationToken).ConfigureAwait(false))
                {
                    warned++;
                }

                continue;
            }

            if (now < Later(token.LastActive + idleFor, warnedAt + lead))
            {
                continue;
            }

            var lastActive = token.LastActive;
            if (await revocation.RetireAsync(db, token.Id, RevocationReason, $"unused since {lastActive:O}; the organization revokes tokens unused for {days} days",
                t => (t.LastUsedAt ?? t.CreatedAt) <= lastActive,
                t => notices.Add(db, organizationId, t.UserId, t.Id, RevokedKind, $"{RevokedKind}:{t.Id}", $"Your unused token \"{t.Name}\" was revoked",
                    $"Your token \"{t.Name}\" (id {t.Id}) had not been used since {lastActive:yyyy-MM-dd HH:mm} UTC, and your organization revokes tokens unused for {days} days, so it has been revoked. Create a new token if you still need one."),
                cancellationToken).ConfigureAwait(false))
            {
                revoked++;
            }
        }

        return (warned, revoked);
    }

    /// <summary>
    /// A token used again after an earlier warning and idle once more: the same notice is queued
    /// anew (its key stays unique). Only one replica's update matches.
    /// </summary>
    private static async Task<bool> RearmAsync(LatchkeyDbContext db, string key, DateTimeOffset lastActive, string subject, string text, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        await db.OwnerNotices.Where(n => n.DedupKey == key && n.CreatedAt < lastActive)
            .ExecuteUpdateAsync(s => s
                .SetProperty(n => n.CreatedAt, now).SetProperty(n => n.DueAt, now).SetProperty(n => n.Attempts, 0)
                .SetProperty(n => n.DeliveredAt, (DateTimeOffset?)null).SetProperty(n => n.GaveUpAt, (DateTimeOffset?)null)
                .SetProperty(n => n.LastError, (string?)null).SetProperty(n => n.Subject, subject).SetProperty(n => n.Text, text),
                cancellationToken).ConfigureAwait(false) == 1;

    private static (string Subject, string Text) Warning(IdleToken token, int days, DateTimeOffset revokeAt) =>
        ($"Your unused token \"{token.Name}\" will be revoked",
         $"Your token \"{token.Name}\" (id {token.Id}) has not been used since {token.LastActive:yyyy-MM-dd HH:mm} UTC. Your organization revokes tokens unused for {days} days, so it will be revoked on or after {revokeAt:yyyy-MM-dd HH:mm} UTC unless it is used before then. If nothing needs it any more, there is nothing to do.");

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private sealed record IdleToken(string Id, string Name, Guid UserId, DateTimeOffset LastActive);
}
