using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Tokens;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages.Tokens;

/// <summary>One token: its facts, its networks, its rotation, its uses over the last 30 days and where from. Never its secret.</summary>
internal sealed class DetailModel(
    LatchkeyDbContext db, AccessEvaluator access, TokenRevocation revocation, LastUsedRecorder lastUsed, UsageRecorder usage, TimeProvider time)
    : ConsolePageModel
{
    public TokenInfo Token { get; private set; } = null!;
    public TokenUsage Usage { get; private set; } = null!;
    public UsageChart Chart { get; private set; } = null!;
    public DateTimeOffset Now { get; private set; }
    public bool Own => Token.Owner.Id == Me.Caller.UserId;
    public bool CanChange => Token.Status == TokenStatus.Active && (Own || Me.Rights.RevokeAllTokens);

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (await VisibleTokens.FindAsync(db, access, Me.Caller, id, cancellationToken) is not var (token, owner))
        {
            await revocation.AuditNotFoundAsync(db, HttpContext, Me.Caller, "token.read", id, cancellationToken);
            return NotFound();
        }

        Now = time.GetUtcNow();
        Token = TokenList.Describe(token, owner, Now, lastUsed);
        Usage = await TokenUsageReport.ReadAsync(db, usage, id, Now, cancellationToken);
        Chart = UsageChart.From(Usage);
        return Page();
    }
}
