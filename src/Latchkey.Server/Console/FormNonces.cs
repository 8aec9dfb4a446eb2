using System.Globalization;
using System.Security.Cryptography;
using Latchkey.Data;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Console;

/// <summary>
/// One-time nonces for forms that mint a secret. A browser that re-sends a POST (reload, back,
/// "resubmit the form?") sends the same nonce, and a used nonce is refused, so a second token is
/// never minted silently. The nonce is not a security boundary (antiforgery is): it only tells a
/// replay from a new submission, so it is not signed, only dated.
/// </summary>
internal sealed class FormNonces(TimeProvider time)
{
    /// <summary>How long a form may sit in a tab (or in history) and still be sent; used nonces are kept a little longer.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);

    public string Issue() =>
        $"{time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.{RandomNumberGenerator.GetHexString(32, lowercase: true)}";

    /// <summary>
    /// Marks the nonce used in <paramref name="db"/> (saved with the caller's change, so both commit
    /// or neither does). False when it is malformed, too old, or was used before.
    /// </summary>
    public async Task<bool> TryUseAsync(LatchkeyDbContext db, string? nonce, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = time.GetUtcNow();
        var parts = nonce?.Split('.');
        if (parts is not [var issued, { Length: 32 } random] || !random.All(char.IsAsciiHexDigitLower)
            || !long.TryParse(issued, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > now.ToUnixTimeSeconds() + 60 || now - DateTimeOffset.FromUnixTimeSeconds(seconds) > Lifetime)
        {
            return false;
        }

        if (await db.UsedFormNonces.AnyAsync(n => n.Nonce == nonce, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        // Nonces older than any form that could still be sent are of no use: prune them on the way.
        var expired = now - Lifetime - TimeSpan.FromHours(1);
        await db.UsedFormNonces.Where(n => n.UsedAt < expired).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        db.UsedFormNonces.Add(new UsedFormNonce { Nonce = nonce!, UsedAt = now });
        return true;
    }
}
