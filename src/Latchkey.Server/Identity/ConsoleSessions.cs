using System.Linq.Expressions;
using System.Security.Cryptography;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Identity;

/// <summary>
/// Console sessions kept in the store. The cookie names a session row and every request checks
/// it, so a session ends on the server: signing out, a new password or a disabled account stop a
/// copied cookie too, on every replica. Each session also ends at an absolute time
/// (<see cref="LatchkeyOptions.ConsoleSessionLifetime"/>), however busy it is.
/// </summary>
internal sealed class ConsoleSessions(AuditLog audit, IOptions<LatchkeyOptions> options, TimeProvider time)
{
    public const string SignedOut = "signed out";
    public const string PasswordChanged = "password changed";
    public const string AccountDisabled = "account disabled";

    /// <summary>A session that has not been ended and has not reached its absolute end.</summary>
    public static Expression<Func<ConsoleSession, bool>> LiveAt(DateTimeOffset now) => s => s.EndedAt == null && s.ExpiresAt > now;

    /// <summary>A session that can never be used again: ended, or past its absolute end.</summary>
    public static Expression<Func<ConsoleSession, bool>> OverAt(DateTimeOffset now) => s => s.EndedAt != null || s.ExpiresAt <= now;

    /// <summary>A new session for the user, added to <paramref name="db"/> (saved with the sign-in's audit event).</summary>
    public ConsoleSession Start(LatchkeyDbContext db, Guid userId)
    {
        ArgumentNullException.ThrowIfNull(db);
        // The cookie is encrypted already; an id nobody can guess keeps a session unnamable even to someone who reads the table.
        Span<byte> id = stackalloc byte[16];
        RandomNumberGenerator.Fill(id);
        var now = time.GetUtcNow();
        var session = new ConsoleSession { Id = new Guid(id), UserId = userId, CreatedAt = now, ExpiresAt = now + options.Value.ConsoleSessionLifetime };
        db.ConsoleSessions.Add(session);
        return session;
    }

    /// <summary>Ends the caller's session and audits the sign-out, together. False when it had ended already (nothing is written).</summary>
    public async Task<bool> SignOutAsync(LatchkeyDbContext db, HttpContext http, Caller caller, Guid sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            var ended = await EndAsync(db.ConsoleSessions.Where(s => s.Id == sessionId && s.UserId == caller.UserId), SignedOut, cancellationToken).ConfigureAwait(false) == 1;
            if (ended)
            {
                db.AuditEvents.Add(audit.Event(http, "logout", "success", caller.Grant, "user", caller.Grant.Email, "console session ended: signed out"));
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return ended;
        }
    }

    /// <summary>
    /// Ends every live session of the user, except <paramref name="except"/>, at once (in the caller's
    /// transaction, if there is one). Returns how many were ended.
    /// </summary>
    public Task<int> EndAllAsync(LatchkeyDbContext db, Guid userId, string reason, CancellationToken cancellationToken, Guid? except = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        var keep = except ?? Guid.Empty;
        return EndAsync(db.ConsoleSessions.Where(s => s.UserId == userId && s.Id != keep), reason, cancellationToken);
    }

    /// <summary>A conditional update: only live sessions are ended, so an ended one keeps when and why it ended.</summary>
    private Task<int> EndAsync(IQueryable<ConsoleSession> sessions, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return sessions.Where(LiveAt(now))
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now).SetProperty(x => x.EndReason, reason), cancellationToken);
    }
}
