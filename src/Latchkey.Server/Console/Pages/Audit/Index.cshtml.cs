using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages.Audit;

/// <summary>The organization's audit log (audit:read), newest first, filtered by actor, action and day.</summary>
internal sealed class IndexModel(LatchkeyDbContext db, AuditQuery query, TimeProvider time) : ConsolePageModel
{
    public const int PageSize = 50;

    /// <summary>Actions worth offering in the filter; any other can be typed.</summary>
    public static readonly string[] KnownActions =
    [
        "login", "logout", "token.create", "token.revoke", "token.read", "auth.failed", "auth.throttled", "kubeconfig.download",
        "cluster.create", "cluster.delete", "webhook-credential.create", "webhook-credential.revoke", "user.invite", "user.invitation.accept",
        "user.disable", "user.enable", "user.password.change", "organization.token-policy",
    ];

    [BindProperty(SupportsGet = true)]
    public string? Actor { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Action { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Cursor { get; set; }

    public Page<AuditEventInfo> Events { get; private set; } = new([], null);
    public DateTimeOffset Now { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!Me.Rights.ReadAudit)
        {
            return NotFound();
        }

        if (From is { } from && To is { } to && to < from)
        {
            Errors["to"] = "The last day comes before the first day; swap them or clear one.";
            return Page();
        }

        _ = AuditQuery.TryParseCursor(Cursor, out var before);
        var filter = new AuditFilter(Blank(Action), Blank(Actor)?.Trim(), Day(From), Day(To?.AddDays(1)), before);
        Now = time.GetUtcNow();
        Events = await query.ReadAsync(db, Me.Caller.OrganizationId, filter, PageSize, cancellationToken);
        return Page();
    }

    public string Link(string? cursor) => "/audit" + QueryString.Create(new Dictionary<string, string?>
    {
        ["actor"] = Blank(Actor),
        ["action"] = Blank(Action),
        ["from"] = From?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        ["to"] = To?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        ["cursor"] = cursor,
    }.Where(p => p.Value is not null)).ToUriComponent();

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static DateTimeOffset? Day(DateOnly? day) => day is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null;
}
