using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>
/// An organization's token policy: the longest lifetime of a new token, whether one may never
/// expire, and after how many days without use a token is revoked (off when null).
/// </summary>
internal sealed class TokenPolicy(AccessEvaluator access, AuditLog audit)
{
    public const int MaxLifetimeDays = 3650;

    /// <summary>
    /// The lifetime limits apply to tokens created from now on; idle revocation to every token at
    /// the lifecycle job's next run. Null when done, else the field at fault and why.
    /// </summary>
    public async Task<(string Field, string Message)?> UpdateAsync(
        LatchkeyDbContext db, HttpContext http, Caller caller, int? maxDays, bool allowNoExpiration, int? idleRevokeDays, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        if (!await access.HasAsync(caller, Permissions.IamManage, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return ("maxDays", "Changing the token policy needs the org-admin role.");
        }

        if (maxDays is not (>= 1 and <= MaxLifetimeDays))
        {
            return ("maxDays", $"The maximum lifetime must be a whole number of days from 1 to {MaxLifetimeDays}.");
        }

        if (idleRevokeDays is not (null or (>= 1 and <= MaxLifetimeDays)))
        {
            return ("idleRevokeDays", $"Revoking idle tokens needs a whole number of days from 1 to {MaxLifetimeDays}; leave it empty to keep unused tokens.");
        }

        var organization = await db.Organizations.SingleAsync(o => o.Id == caller.OrganizationId, cancellationToken).ConfigureAwait(false);
        if (organization.MaxTokenLifetimeDays != maxDays || organization.AllowNoExpiration != allowNoExpiration || organization.IdleRevokeDays != idleRevokeDays)
        {
            organization.MaxTokenLifetimeDays = maxDays.Value;
            organization.AllowNoExpiration = allowNoExpiration;
            organization.IdleRevokeDays = idleRevokeDays;
            db.AuditEvents.Add(audit.Event(http, "organization.token-policy", "success", caller.Grant, "organization", organization.Slug,
                $"maximum lifetime {maxDays} days, no expiration {(allowNoExpiration ? "allowed" : "not allowed")}, "
                + (idleRevokeDays is { } idle ? $"tokens unused for {idle} days revoked" : "unused tokens kept")));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        return null;
    }
}
