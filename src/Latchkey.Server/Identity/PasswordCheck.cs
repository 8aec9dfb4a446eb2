using Latchkey.Data;
using Microsoft.AspNetCore.Identity;

namespace Latchkey.Server.Identity;

/// <summary>ASP.NET Core's PBKDF2 password hashing, with the same work done for unknown emails.</summary>
internal sealed class PasswordCheck
{
    private readonly PasswordHasher<User> hasher = new();
    private readonly Lazy<string> decoy;

    public PasswordCheck() => decoy = new(() => hasher.HashPassword(null!, Guid.NewGuid().ToString()));

    public string Hash(User user, string password) => hasher.HashPassword(user, password);

    /// <summary>For an unknown user, verifies against a decoy hash so response time does not reveal which emails exist.</summary>
    public PasswordVerificationResult Verify(User? user, string password)
    {
        if (user is null)
        {
            hasher.VerifyHashedPassword(null!, decoy.Value, password);
            return PasswordVerificationResult.Failed;
        }

        return hasher.VerifyHashedPassword(user, user.PasswordHash, password);
    }
}
