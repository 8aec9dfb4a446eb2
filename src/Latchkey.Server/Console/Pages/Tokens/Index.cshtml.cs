using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Notifications;
using Latchkey.Server.Tokens;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Console.Pages.Tokens;

/// <summary>The caller's tokens (or, for token viewers, the organization's), filtered and paged like the API's list.</summary>
internal sealed class IndexModel(LatchkeyDbContext db, LastUsedRecorder lastUsed, TimeProvider time) : ConsolePageModel
{
    public const int PageSize = 25;

    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Owner { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Cursor { get; set; }

    /// <summary>Only live tokens expiring within this many days.</summary>
    [BindProperty(SupportsGet = true)]
    public int? Expiring { get; set; }

    /// <summary>Only live tokens that outlive the organization's current token policy (token viewers).</summary>
    [BindProperty(SupportsGet = true)]
    public bool Beyond { get; set; }

    /// <summary>Set after a revocation, to say so.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Revoked { get; set; }

    public Page<TokenInfo> Tokens { get; private set; } = new([], null);

    /// <summary>The caller's own live tokens that expire within 7 days and are owed a warning, whatever the filter and page.</summary>
    public IReadOnlyList<ExpiringToken> ExpiringSoon { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }
    public bool AllOwners { get; private set; }
    public bool CanSeeAll => Me.Rights.ReadAllTokens;
    public bool CanRevokeAll => Me.Rights.RevokeAllTokens;
    internal Guid MyId => Me.Caller.UserId;
    public bool Filtered => Status is not null || Cursor is not null || Expiring is not null || Beyond;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        NoStore();
        Status = string.IsNullOrEmpty(Status) ? null : Status;
        if (!TokenList.TryParseStatus(Status, out var status))
        {
            Status = null;
        }

        AllOwners = Owner == "all" && CanSeeAll;
        Expiring = Expiring is >= 0 and <= TokenListQuery.MaxExpiringWithinDays ? Expiring : null;
        Beyond = Beyond && CanSeeAll;
        var organization = Beyond ? await db.Organizations.FindAsync([Me.Caller.OrganizationId], cancellationToken) : null;
        Latchkey.Server.Tokens.Cursor after = default;
        var hasCursor = Cursor is not null && Latchkey.Server.Tokens.Cursor.TryParse(Cursor, out after);
        Cursor = hasCursor ? Cursor : null;
        Now = time.GetUtcNow();
        Tokens = await TokenList.ReadAsync(db, Me.Caller, new TokenFilter(status, AllOwners) { ExpiringWithinDays = Expiring, BeyondPolicyOf = organization }, PageSize, hasCursor ? after : null, Now, lastUsed, cancellationToken);
        ExpiringSoon = await ExpiringSoonAsync(cancellationToken);
        return Page();
    }

    private async Task<IReadOnlyList<ExpiringToken>> ExpiringSoonAsync(CancellationToken cancellationToken)
    {
        var (userId, now, soon) = (Me.Caller.UserId, Now, Now.AddDays(7));
        var rows = await db.AccessTokens.AsNoTracking().Live(now)
            .Where(t => t.UserId == userId && t.ExpiresAt <= soon)
            .Select(t => new { t.Id, t.Name, t.CreatedAt, ExpiresAt = t.ExpiresAt!.Value })
            .ToListAsync(cancellationToken);
        // The same tokens the expiry e-mails are about: short-lived ones (exec credentials) are meant to expire.
        return [.. rows
            .Where(t => ExpiryWarnings.Threshold(t.CreatedAt, t.ExpiresAt, now) is <= 7)
            .OrderBy(t => t.ExpiresAt)
            .Select(t => new ExpiringToken(t.Id, t.Name, t.ExpiresAt))];
    }

    /// <summary>A link to this list with the current filters and another page position.</summary>
    public string Link(string? cursor) =>
        QueryString.Create(new Dictionary<string, string?> { ["status"] = Status, ["owner"] = AllOwners ? "all" : null,
                ["expiring"] = Expiring?.ToString(System.Globalization.CultureInfo.InvariantCulture), ["beyond"] = Beyond ? "true" : null, ["cursor"] = cursor }
            .Where(p => p.Value is not null)).ToUriComponent() is { Length: > 0 } query ? "/tokens" + query : "/tokens";
}

internal sealed record ExpiringToken(string Id, string Name, DateTimeOffset ExpiresAt);
