using Latchkey.Data;
using Latchkey.Server.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Identity;

/// <summary>
/// Checks an email and password for every door that signs people in (the API's login, the
/// console). A failure is audited and answered the same way whether the email is unknown, the
/// password wrong or the account disabled, so the answer does not reveal which.
/// </summary>
internal sealed class PasswordSignIn(PasswordCheck passwords, AuditLog audit)
{
    /// <returns>The active user (with their organization), or null after auditing the failure. Changes are not saved.</returns>
    public async Task<User?> CheckAsync(LatchkeyDbContext db, HttpContext http, string email, string password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(email);
        ArgumentNullException.ThrowIfNull(password);
        email = email.Trim();
        var normalized = email.ToLowerInvariant();
        var user = await db.Users.Include(u => u.Organization)
            .SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken).ConfigureAwait(false);
        var verdict = passwords.Verify(user, password);
        if (user is null || verdict == PasswordVerificationResult.Failed || !user.IsActive)
        {
            db.AuditEvents.Add(audit.Event(http, "login", "failure", targetType: "user", targetId: email.Length > 254 ? email[..254] : email,
                detail: user is { IsActive: false } ? "account disabled" : "wrong email or password", organizationId: user?.OrganizationId));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = passwords.Hash(user, password);
        }

        return user;
    }
}
