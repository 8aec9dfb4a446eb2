using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Clusters;
using Latchkey.Server.Tokens;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Console.Pages.Tokens;

/// <summary>
/// Create Token, then the reveal. The reveal is the direct answer to the create POST (never a
/// redirect to a page that could be loaded again), is kept by no cache, and its form carries a
/// one-time nonce: a browser re-sending the POST on reload or back gets a refusal, not a second token.
/// </summary>
internal sealed class NewModel(LatchkeyDbContext db, TokenCreation creation, ClusterRegistry clusters, FormNonces nonces) : ConsolePageModel
{
    public static readonly int[] PresetDays = [1, 7, 30, 60, 90, 365];

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Note { get; set; }

    /// <summary>Space-separated scopes such as <c>metrics:read clusters:view:prod-1</c>; blank for all of one's rights.</summary>
    [BindProperty]
    public string? Scopes { get; set; }

    /// <summary>A number of days from <see cref="PresetDays"/>, "custom" or "never".</summary>
    [BindProperty]
    public string? Expiration { get; set; }

    [BindProperty]
    public DateOnly? ExpiresOn { get; set; }

    [BindProperty]
    public string? Nonce { get; set; }

    /// <summary>Networks the token may be used from, one CIDR per line (or separated by commas or spaces); empty: anywhere.</summary>
    [BindProperty]
    public string? AllowedCidrs { get; set; }

    public Organization Organization { get; private set; } = null!;
    public IEnumerable<int> Presets => PresetDays.Where(d => d <= Organization.MaxTokenLifetimeDays);
    public Reveal? Revealed { get; private set; }
    public bool Replayed { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadPolicyAsync(cancellationToken);
        Expiration = Presets.Contains(TokenRules.DefaultLifetimeDays) ? "30" : Presets.LastOrDefault().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Nonce = nonces.Issue();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        NoStore();
        await LoadPolicyAsync(cancellationToken);
        if (!await nonces.TryUseAsync(db, Nonce, cancellationToken))
        {
            Replayed = true;
            Nonce = nonces.Issue();
            return Page();
        }

        var request = ToRequest(out var formError);
        if (formError is not null)
        {
            Errors["expiration"] = formError;
            return Page();
        }

        var result = await creation.CreateAsync(db, HttpContext, Me.Caller, request, "console", cancellationToken);
        if (result.Created is not { } created)
        {
            Errors[result.Field is "name" or "note" or "scopes" or TokenNetworks.Field ? result.Field : "expiration"] = result.Message!;
            return Page();
        }

        Revealed = new Reveal(created, await clusters.VisibleAsync(db, Me.Caller, cancellationToken), "Token created",
            $"“{created.Name}” is ready. Copy its secret now, or download a kubeconfig with it.");
        return Page();
    }

    private CreateTokenRequest ToRequest(out string? error)
    {
        error = null;
        var request = new CreateTokenRequest(Name, Note,
            Scopes: string.IsNullOrWhiteSpace(Scopes) ? null : Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            AllowedCidrs: AllowedCidrs?.Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
        switch (Expiration)
        {
            case "never":
                return request with { NoExpiration = true };
            case "custom" when ExpiresOn is { } day:
                return request with { ExpiresAt = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) };
            case "custom":
                error = "Choose the date on which the token should expire.";
                return request;
            default:
                if (int.TryParse(Expiration, out var days) && PresetDays.Contains(days))
                {
                    return request with { ExpiresInDays = days };
                }

                error = "Choose when the token should expire.";
                return request;
        }
    }

    private async Task LoadPolicyAsync(CancellationToken cancellationToken) =>
        Organization = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == Me.Caller.OrganizationId, cancellationToken);
}
