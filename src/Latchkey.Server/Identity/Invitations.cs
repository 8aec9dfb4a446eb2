using System.Security.Cryptography;
using System.Text;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Identity;

/// <summary>
/// Invitation links: a random code, single-use and expiring, with which an invited user chooses a
/// password. Only the SHA-256 of the code is stored (the code has 256 random bits, so a plain hash
/// cannot be reversed), and the code is shown to the inviting admin once.
/// </summary>
internal sealed class Invitations(PasswordCheck passwords, AuditLog audit, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);
    public const int MinPasswordLength = PasswordPolicy.MinLength;

    // No '_' or other marks: a code never looks like a token, and needs no escaping in a URL.
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>A new invitation for <paramref name="user"/>, added to <paramref name="db"/>; the code is returned and kept nowhere.</summary>
    public string Add(LatchkeyDbContext db, User user, Guid invitedBy)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(user);
        var code = RandomNumberGenerator.GetString(Alphabet, 43);
        var now = time.GetUtcNow();
        db.Invitations.Add(new Invitation
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = user.OrganizationId,
            UserId = user.Id,
            CodeDigest = Digest(code),
            CreatedAt = now,
            CreatedByUserId = invitedBy,
            ExpiresAt = now + Lifetime,
        });
        return code;
    }

    /// <summary>The open invitation the code belongs to (unused, unexpired, its user active), with its user.</summary>
    public async Task<Invitation?> FindAsync(LatchkeyDbContext db, string? code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (code is not { Length: 43 } || !code.All(char.IsAsciiLetterOrDigit))
        {
            return null;
        }

        var digest = Digest(code);
        var now = time.GetUtcNow();
        return await db.Invitations.Include(i => i.User)
            .SingleOrDefaultAsync(i => i.CodeDigest == digest && i.UsedAt == null && i.ExpiresAt > now && i.User.IsActive, cancellationToken)
            .ConfigureAwait(false);
    }


    /// <summary>Sets the password and uses the invitation up, with its audit event. The caller has checked the password.</summary>
    public async Task AcceptAsync(LatchkeyDbContext db, HttpContext http, Invitation invitation, string password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(invitation);
        invitation.UsedAt = time.GetUtcNow();
        invitation.User.PasswordHash = passwords.Hash(invitation.User, password);
        db.AuditEvents.Add(audit.Event(http, "user.invitation.accept", "success", targetType: "user", targetId: invitation.User.Email,
            detail: "password set from an invitation link", organizationId: invitation.OrganizationId));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    private static byte[] Digest(string code) => SHA256.HashData(Encoding.ASCII.GetBytes(code));
}
