using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Http;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Identity;

/// <summary>A password was changed; this many other console sessions of its user ended with it.</summary>
internal sealed record ChangedPassword(int OtherSessionsEnded);

/// <summary>
/// A signed-in person chooses a new password. It ends every other console session of theirs in the
/// same transaction (whoever signed in with the old password is out), and keeps the session it was
/// changed from: that one has just proved the old password again.
/// </summary>
internal sealed class PasswordChange(PasswordCheck passwords, ConsoleSessions sessions, AuditLog audit)
{
    /// <returns>How many other sessions were ended, or why nothing was changed.</returns>
    public async Task<Outcome<ChangedPassword>> ChangeAsync(LatchkeyDbContext db, HttpContext http, Caller caller, Guid currentSession,
        string? current, string? password, string? confirmation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var user = await db.Users.SingleAsync(u => u.Id == caller.UserId, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(current) || passwords.Verify(user, current) == PasswordVerificationResult.Failed)
        {
            db.AuditEvents.Add(audit.Event(http, "user.password.change", "failure", caller.Grant, "user", user.Email, "wrong current password"));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return Refused.Invalid("current", "That is not your current password.");
        }

        if (PasswordPolicy.Problem(password, user.Email) is { } problem)
        {
            return Refused.Invalid("password", problem);
        }

        if (password != confirmation)
        {
            return Refused.Invalid("confirmation", "The two new passwords differ; type the same password twice.");
        }

        var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            user.PasswordHash = passwords.Hash(user, password!);
            var ended = await sessions.EndAllAsync(db, user.Id, ConsoleSessions.PasswordChanged, cancellationToken, except: currentSession).ConfigureAwait(false);
            db.AuditEvents.Add(audit.Event(http, "user.password.change", "success", caller.Grant, "user", user.Email, $"ended {ended} other console session(s)"));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new ChangedPassword(ended);
        }
    }
}
