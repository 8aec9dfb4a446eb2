using System.Globalization;
using Latchkey.Data;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>The query string of <c>GET /api/v1/tokens</c>, read as text so each bad value gets its own message.</summary>
internal sealed record TokenListQuery(
    string? Status,
    string? Owner,
    int? Limit,
    string? Cursor,
    string? CreatedAfter,
    string? CreatedBefore,
    string? LastUsedBefore,
    int? ExpiringWithinDays,
    bool? BeyondPolicy)
{
    public const int MaxExpiringWithinDays = 3650;

    public async Task<(TokenFilter? Filter, (string Field, string Message)? Error)> ToFilterAsync(
        LatchkeyDbContext db, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        if (!TokenList.TryParseStatus(Status, out var status))
        {
            return (null, ("status", "status must be 'active', 'expired' or 'revoked'."));
        }

        var filter = new TokenFilter(status);
        switch (Owner)
        {
            case null or "me":
                break;
            case "all":
                filter = filter with { AllOwners = true };
                break;
            default:
                // Another organization's user is as unknown as a made-up id.
                if (!Guid.TryParse(Owner, out var ownerId)
                    || !await db.Users.AnyAsync(u => u.Id == ownerId && u.OrganizationId == caller.OrganizationId, cancellationToken).ConfigureAwait(false))
                {
                    return (null, ("owner", "owner must be 'me', 'all' or the id of a member of your organization."));
                }

                filter = filter with { OwnerId = ownerId };
                break;
        }

        foreach (var (field, text) in new[] { ("createdAfter", CreatedAfter), ("createdBefore", CreatedBefore), ("lastUsedBefore", LastUsedBefore) })
        {
            if (text is not null && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
            {
                return (null, (field, $"{field} must be a time such as 2026-01-31T00:00:00Z."));
            }
        }

        if (ExpiringWithinDays is < 0 or > MaxExpiringWithinDays)
        {
            return (null, ("expiringWithinDays", $"expiringWithinDays must be between 0 and {MaxExpiringWithinDays}."));
        }

        filter = filter with
        {
            CreatedAfter = Time(CreatedAfter),
            CreatedBefore = Time(CreatedBefore),
            LastUsedBefore = Time(LastUsedBefore),
            ExpiringWithinDays = ExpiringWithinDays,
            BeyondPolicyOf = BeyondPolicy == true
                ? await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == caller.OrganizationId, cancellationToken).ConfigureAwait(false)
                : null,
        };
        return (filter, null);
    }

    private static DateTimeOffset? Time(string? text) =>
        text is null ? null : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime();
}
