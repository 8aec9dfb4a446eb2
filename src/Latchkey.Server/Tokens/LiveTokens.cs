using System.Linq.Expressions;
using Latchkey.Data;

namespace Latchkey.Server.Tokens;

/// <summary>
/// What "live" means for a token row, for every query and page that counts, lists or acts on
/// live tokens: not revoked, not expired, not past its rotation's grace. The verifier
/// (<see cref="Verification.TokenLookup.Judge"/>) applies the same rule at every door and adds
/// what a row alone cannot tell: an active owner and a live parent (revoking a parent marks its
/// children revoked in the same transaction, so lists agree).
/// </summary>
internal static class LiveTokens
{
    public static Expression<Func<AccessToken, bool>> At(DateTimeOffset now) =>
        t => t.RevokedAt == null && (t.RetiresAt == null || t.RetiresAt > now) && (t.ExpiresAt == null || t.ExpiresAt > now);

    /// <summary>Ended by a person or by Latchkey (revoked, or a rotation's grace is over), as opposed to expired.</summary>
    public static Expression<Func<AccessToken, bool>> EndedAt(DateTimeOffset now) => t => t.RevokedAt != null || t.RetiresAt <= now;

    /// <summary>
    /// Ended at or before <paramref name="moment"/>: revoked, retired after a rotation, or expired by
    /// then, whichever came first. What retention counts a token's end from.
    /// </summary>
    public static Expression<Func<AccessToken, bool>> EndedBy(DateTimeOffset moment) =>
        t => (t.RevokedAt != null && t.RevokedAt <= moment) || (t.RetiresAt != null && t.RetiresAt <= moment) || (t.ExpiresAt != null && t.ExpiresAt <= moment);

    /// <summary>The opposite of <see cref="EndedBy"/>: still live at that moment, or ended only later.</summary>
    public static Expression<Func<AccessToken, bool>> NotEndedBy(DateTimeOffset moment)
    {
        var ended = EndedBy(moment);
        return Expression.Lambda<Func<AccessToken, bool>>(Expression.Not(ended.Body), ended.Parameters);
    }

    public static bool IsLive(this AccessToken token, DateTimeOffset now) => !token.IsEnded(now) && !(token.ExpiresAt <= now);

    public static bool IsEnded(this AccessToken token, DateTimeOffset now) => token.RevokedAt is not null || token.RetiresAt <= now;

    public static IQueryable<AccessToken> Live(this IQueryable<AccessToken> tokens, DateTimeOffset now) => tokens.Where(At(now));
}
