using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Http;
using Latchkey.Server.Verification;

namespace Latchkey.Server.Iam;

internal static class IamAudit
{
    /// <summary>
    /// Records a refused change (no permission, or an id that is not the caller's to see) and
    /// hands the refusal back. Called before anything else was changed in <paramref name="db"/>.
    /// </summary>
    public static async Task<Refused> DeniedAsync(this AuditLog audit, LatchkeyDbContext db, HttpContext http, Caller caller,
        string action, string targetType, string? targetId, Refused refused, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(refused);
        db.AuditEvents.Add(audit.Event(http, action, "denied", caller.Grant, targetType, targetId, refused.Message));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return refused;
    }
}
