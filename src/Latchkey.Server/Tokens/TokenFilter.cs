using Latchkey.Core.Contracts;
using Latchkey.Data;

namespace Latchkey.Server.Tokens;

/// <summary>
/// Which tokens a list shows: the caller's own, one owner's or the whole organization's, narrowed by
/// status, creation time, last use, coming expiry, and whether they are beyond the organization's
/// current token policy.
/// </summary>
internal sealed record TokenFilter(TokenStatus? Status = null, bool AllOwners = false)
{
    /// <summary>Another member whose tokens to show (needs tokens:read-all).</summary>
    public Guid? OwnerId { get; init; }

    public DateTimeOffset? CreatedAfter { get; init; }
    public DateTimeOffset? CreatedBefore { get; init; }

    /// <summary>Tokens not used since this time, never-used ones included (the ones worth cleaning up).</summary>
    public DateTimeOffset? LastUsedBefore { get; init; }

    /// <summary>Live tokens that expire within this many days.</summary>
    public int? ExpiringWithinDays { get; init; }

    /// <summary>
    /// Live tokens that outlive what a new token could be given today under this organization's policy
    /// (no expiration where it is no longer allowed, or an expiry beyond today's maximum).
    /// </summary>
    public Organization? BeyondPolicyOf { get; init; }

    public bool NeedsReadAll => AllOwners || OwnerId is not null;

    public IQueryable<AccessToken> Apply(IQueryable<AccessToken> query, Guid callerId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (OwnerId is { } owner)
        {
            query = query.Where(t => t.UserId == owner);
        }
        else if (!AllOwners)
        {
            query = query.Where(t => t.UserId == callerId);
        }

        if (CreatedAfter is { } after)
        {
            query = query.Where(t => t.CreatedAt > after);
        }

        if (CreatedBefore is { } before)
        {
            query = query.Where(t => t.CreatedAt < before);
        }

        if (LastUsedBefore is { } unusedSince)
        {
            query = query.Where(t => t.LastUsedAt == null || t.LastUsedAt < unusedSince);
        }

        if (ExpiringWithinDays is { } days)
        {
            var until = now.AddDays(days);
            query = query.Live(now).Where(t => t.ExpiresAt <= until);
        }

        if (BeyondPolicyOf is { } policy)
        {
            var latest = now.AddDays(policy.MaxTokenLifetimeDays);
            var neverAllowed = policy.AllowNoExpiration;
            query = query.Live(now).Where(t => (t.ExpiresAt == null && !neverAllowed) || t.ExpiresAt > latest);
        }

        return query;
    }
}
