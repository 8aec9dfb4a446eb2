using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>Which tokens a caller may look at: every door that shows one token asks here.</summary>
internal static class VisibleTokens
{
    /// <summary>
    /// The token with its owner, when the caller may see it: their own (with tokens:own), or any of the
    /// organization's with tokens:read-all. Null otherwise (someone else's looks like none at all).
    /// </summary>
    public static async Task<(AccessToken Token, TokenOwner Owner)?> FindAsync(
        LatchkeyDbContext db, AccessEvaluator access, Caller caller, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(caller);
        var found = await db.AccessTokens.AsNoTracking()
            .Where(t => t.Id == id && t.OrganizationId == caller.OrganizationId)
            .Select(t => new { Token = t, t.User.Email, t.User.DisplayName })
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (found is null || !await TokenInventory.MayReadAsync(access, caller, found.Token.UserId, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return (found.Token, new TokenOwner(found.Token.UserId, found.Email, found.DisplayName));
    }
}
