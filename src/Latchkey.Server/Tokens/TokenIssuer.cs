using System.Security.Cryptography;
using Latchkey.Core.Tokens;
using Latchkey.Data;
using Latchkey.Server.Verification;

namespace Latchkey.Server.Tokens;

/// <summary>Mints tokens: a fresh secret, its digest for the store, and a public id.</summary>
internal sealed class TokenIssuer(TokenKeyRing keys, TimeProvider time)
{
    private const string IdAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
    private const int IdLength = 16;

    /// <summary>Returns the entity to store and the secret to show once. The secret is not kept anywhere.</summary>
    public (AccessToken Token, string Secret) Issue(User owner, string name, string? note, DateTimeOffset? expiresAt, string createdVia)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return Issue(owner.OrganizationId, owner.Id, name, note, expiresAt, createdVia);
    }

    public (AccessToken Token, string Secret) Issue(Guid organizationId, Guid userId, string name, string? note, DateTimeOffset? expiresAt, string createdVia)
    {
        var secret = TokenFormat.Generate();
        var token = new AccessToken
        {
            Id = RandomNumberGenerator.GetString(IdAlphabet, IdLength),
            OrganizationId = organizationId,
            UserId = userId,
            Name = name,
            Note = note,
            CreatedVia = createdVia,
            CreatedAt = time.GetUtcNow(),
            ExpiresAt = expiresAt,
            SecretDigest = keys.Digest(secret).ToArray(),
            DigestKeyId = keys.CurrentKeyId,
        };
        return (token, secret);
    }
}
