using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Tokens;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Console.Pages.Tokens;

/// <summary>The confirmation step before a token is revoked; a plain form, so it works without script.</summary>
internal sealed class DeleteModel(LatchkeyDbContext db, TokenRevocation revocation, LastUsedRecorder lastUsed, TimeProvider time) : ConsolePageModel
{
    public TokenInfo Token { get; private set; } = null!;
    public bool Own => Token.Owner.Id == Me.Caller.UserId;
    public DateTimeOffset Now { get; private set; }

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        var found = await db.AccessTokens.AsNoTracking()
            .Where(t => t.Id == id && t.OrganizationId == Me.Caller.OrganizationId)
            .Select(t => new { Token = t, t.User.Email, t.User.DisplayName })
            .SingleOrDefaultAsync(cancellationToken);
        if (found is null || (found.Token.UserId != Me.Caller.UserId && !Me.Rights.RevokeAllTokens))
        {
            await revocation.AuditNotFoundAsync(db, HttpContext, Me.Caller, "token.read", id, cancellationToken);
            return NotFound();
        }

        Now = time.GetUtcNow();
        Token = TokenList.Describe(found.Token, new TokenOwner(found.Token.UserId, found.Email, found.DisplayName), Now, lastUsed);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, CancellationToken cancellationToken)
    {
        var owner = await db.AccessTokens.AsNoTracking().Where(t => t.Id == id).Select(t => (Guid?)t.UserId).SingleOrDefaultAsync(cancellationToken);
        if (!await revocation.RevokeAsync(db, HttpContext, Me.Caller, id, cancellationToken))
        {
            return NotFound();
        }

        return LocalRedirect(owner == Me.Caller.UserId ? $"/tokens?revoked={id}" : $"/tokens?owner=all&revoked={id}");
    }
}
