using Latchkey.Data;
using Microsoft.AspNetCore.Identity;

namespace Latchkey.Server.Identity;

/// <summary>ASP.NET Core's PBKDF2 password hashing, with the same work done for unknown e-mails and pending accounts.</summary>
internal sealed class PasswordCheck
{
    private readonly PasswordHasher<User> hasher = new();
    private readonly Lazy<string> decoy;

    public PasswordCheck() => decoy = new(() => hasher.HashPassword(null!, Guid.NewGuid().ToString()));

    public string Hash(User user, string password) => hasher.HashPassword(user, password);

    private long hashesVerified;

    /// <summary>How many full PBKDF2 verifications ran: every sign-in attempt costs exactly one, whatever the account.</summary>
    public long HashesVerified => Interlocked.Read(ref hashesVerified);

    /// <summary>
    /// For an unknown user, or one who has not chosen a password yet (an invitation not yet
    /// accepted, whose hash is empty), verifies against a decoy hash: the time an answer takes must
    /// not tell which e-mails exist or which accounts are pending.
    /// </summary>
    public PasswordVerificationResult Verify(User? user, string password)
    {
        Interlocked.Increment(ref hashesVerified);
        if (user is null || string.IsNullOrEmpty(user.PasswordHash))
        {
            hasher.VerifyHashedPassword(null!, decoy.Value, password);
            return PasswordVerificationResult.Failed;
        }

        return hasher.VerifyHashedPassword(user, user.PasswordHash, password);
    }
}
