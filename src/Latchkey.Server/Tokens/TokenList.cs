using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>One page of tokens, newest first, as the API and the console list them.</summary>
internal static class TokenList
{
    public const int MaxPageSize = 200;

    /// <summary>Reads <c>active</c>, <c>expired</c> or <c>revoked</c>; null means no filter.</summary>
    public static bool TryParseStatus(string? text, out TokenStatus? status)
    {
        (var known, status) = text switch
        {
            null => (true, null),
            "active" => (true, TokenStatus.Active),
            "expired" => (true, TokenStatus.Expired),
            "revoked" => (true, TokenStatus.Revoked),
            _ => (false, (TokenStatus?)null),
        };
        return known;
    }

    /// <param name="filter">With <see cref="TokenFilter.AllOwners"/> or another owner, the caller must hold tokens:read-all.</param>
    public static async Task<Page<TokenInfo>> ReadAsync(
        LatchkeyDbContext db, Caller caller, TokenFilter filter, int pageSize, Cursor? after,
        DateTimeOffset now, LastUsedRecorder lastUsed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(filter);
        var query = filter.Apply(db.AccessTokens.AsNoTracking().Where(t => t.OrganizationId == caller.OrganizationId), caller.UserId, now);
        query = filter.Status switch
        {
            // A rotated token whose grace period is over counts as revoked before the lifecycle job writes it.
            TokenStatus.Active => query.Live(now),
            TokenStatus.Expired => query.Where(t => t.RevokedAt == null && (t.RetiresAt == null || t.RetiresAt > now) && t.ExpiresAt <= now),
            TokenStatus.Revoked => query.Where(LiveTokens.EndedAt(now)),
            _ => query,
        };

        if (after is { } cursor)
        {
            query = query.Where(t => t.CreatedAt < cursor.CreatedAt || (t.CreatedAt == cursor.CreatedAt && string.Compare(t.Id, cursor.Id) < 0));
        }

        var rows = await query
            .OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id)
            .Take(pageSize + 1)
            .Select(t => new { Token = t, t.User.Email, t.User.DisplayName })
            .ToListAsync(cancellationToken).ConfigureAwait(false);

        var names = rows.Any(r => r.Token.Scopes is not null) ? await ScopeNames.LoadAsync(db, caller.OrganizationId, cancellationToken).ConfigureAwait(false) : null;
        var items = rows.Take(pageSize)
            .Select(r => Describe(r.Token, new TokenOwner(r.Token.UserId, r.Email, r.DisplayName), now, lastUsed, names))
            .ToList();
        var next = rows.Count > pageSize ? new Cursor(rows[pageSize - 1].Token.CreatedAt, rows[pageSize - 1].Token.Id).ToString() : null;
        return new Page<TokenInfo>(items, next);
    }

    /// <param name="names">Cluster and VPC names by id (<see cref="ScopeNames.LoadAsync"/>), needed when the token is scoped.</param>
    public static TokenInfo Describe(AccessToken t, TokenOwner owner, DateTimeOffset now, LastUsedRecorder lastUsed, IReadOnlyDictionary<Guid, string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(t);
        ArgumentNullException.ThrowIfNull(lastUsed);
        var status = t.IsEnded(now) ? TokenStatus.Revoked
            : !t.IsLive(now) ? TokenStatus.Expired
            : TokenStatus.Active;
        // A use not yet written to the store is newer than what the store has.
        var pending = lastUsed.Pending(t.Id);
        var newer = pending is not null && (t.LastUsedAt is null || pending.At > t.LastUsedAt);
        return new TokenInfo(t.Id, t.Name, t.Note, status, t.CreatedAt, t.ExpiresAt,
            newer ? pending!.At : t.LastUsedAt, newer ? pending!.From : t.LastUsedFrom, t.RevokedAt ?? (t.RetiresAt <= now ? t.RetiresAt : null),
            t.CreatedVia, owner, ScopeNames.Describe(TokenScopeSet.Parse(t.Scopes), names ?? new Dictionary<Guid, string>()),
            TokenNetworks.List(t.AllowedCidrs), t.ReplacedByTokenId, t.RetiresAt,
            t.RevocationReason ?? (t.RetiresAt <= now ? TokenRotation.RevocationReason : null));
    }
}
