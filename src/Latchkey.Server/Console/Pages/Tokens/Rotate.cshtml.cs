using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Clusters;
using Latchkey.Server.Iam;
using Latchkey.Server.Tokens;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages.Tokens;

/// <summary>
/// Rotate: choose how long the old secret keeps working, then the reveal of the new one. Like
/// Create Token, the reveal is the direct answer to the POST and the form's one-time nonce stops a
/// re-sent form from rotating again.
/// </summary>
internal sealed class RotateModel(
    LatchkeyDbContext db, AccessEvaluator access, TokenRotation rotation, TokenRevocation revocation, ClusterRegistry clusters, FormNonces nonces,
    LastUsedRecorder lastUsed, TimeProvider time) : ConsolePageModel
{
    /// <summary>Grace periods offered, in seconds; 0 is "until the new token is first used".</summary>
    public static readonly (int Seconds, string Label)[] Choices =
        [(0, "Until the new token is first used"), (3600, "1 hour"), (86_400, "1 day"), (TokenRotation.MaxGraceSeconds, "7 days")];

    [BindProperty]
    public int Grace { get; set; }

    [BindProperty]
    public string? Nonce { get; set; }

    public TokenInfo? Token { get; private set; }
    public Reveal? Revealed { get; private set; }
    public bool Replayed { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        Nonce = nonces.Issue();
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, CancellationToken cancellationToken)
    {
        NoStore();
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        if (!await nonces.TryUseAsync(db, Nonce, cancellationToken))
        {
            Replayed = true;
            Nonce = nonces.Issue();
            return Page();
        }

        var result = await rotation.RotateAsync(db, HttpContext, Me.Caller, id, Grace, cancellationToken);
        if (result.Value is not { } created)
        {
            Errors["grace"] = result.Refused!.Message;
            Nonce = nonces.Issue();
            return Page();
        }

        Revealed = new Reveal(created, await clusters.VisibleAsync(db, Me.Caller, cancellationToken), "Token rotated",
            $"“{created.Name}” has a new secret. Put it wherever the old one is used.",
            created.Replaces?.RetiresAt is { } end ? $"The old secret keeps working until {Display.Exact(end)}."
                : "The old secret keeps working until the new one is used for the first time.");
        return Page();
    }

    private async Task<bool> LoadAsync(string id, CancellationToken cancellationToken)
    {
        var found = await VisibleTokens.FindAsync(db, access, Me.Caller, id, cancellationToken);
        // Only the owner rotates: an admin's view of someone else's token has no Rotate page at all.
        if (found is not var (token, owner) || token.UserId != Me.Caller.UserId)
        {
            await revocation.AuditNotFoundAsync(db, HttpContext, Me.Caller, "token.rotate", id, cancellationToken);
            return false;
        }

        Token = TokenList.Describe(token, owner, time.GetUtcNow(), lastUsed);
        return true;
    }
}
