using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Observability;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>
/// Creating a token for a person, whichever door they use (API, console): the rules, the secret,
/// the row and its audit event, committed together. The secret is returned and kept nowhere.
/// </summary>
internal sealed class TokenCreation(TokenIssuer issuer, AuditLog audit, LatchkeyMetrics metrics, TimeProvider time, ILogger<TokenCreation> logger)
{
    // Compiled and untracked: this read is on the path of every creation, and nothing in it changes.
    private static readonly Func<LatchkeyDbContext, Guid, CancellationToken, Task<User?>> FindOwner =
        EF.CompileAsyncQuery((LatchkeyDbContext db, Guid userId, CancellationToken _) =>
            db.Users.AsNoTracking().Include(u => u.Organization).SingleOrDefault(u => u.Id == userId));

    public async Task<TokenCreationResult> CreateAsync(
        LatchkeyDbContext db, HttpContext http, Caller caller, CreateTokenRequest request, string createdVia, CancellationToken cancellationToken,
        string? auditNote = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (TokenRules.CheckText(request) is { } textError)
        {
            return TokenCreationResult.Invalid(textError.Field, textError.Message);
        }

        var owner = await FindOwner(db, caller.UserId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The caller's account no longer exists.");
        var (expiresAt, error) = TokenRules.Expiration(request, owner.Organization, time.GetUtcNow());
        if (error is { } expirationError)
        {
            return TokenCreationResult.Invalid(expirationError.Field, expirationError.Message);
        }

        var note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim();
        var (token, secret) = issuer.Issue(owner, request.Name!.Trim(), note, expiresAt, createdVia);
        db.AccessTokens.Add(token);
        db.AuditEvents.Add(audit.Event(http, "token.create", "success", caller.Grant, "token", token.Id,
            (expiresAt is null ? "never expires" : $"expires {expiresAt:O}") + $", via {createdVia}" + (auditNote is null ? "" : $"; {auditNote}")));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        Log.TokenCreated(logger, token.Id, owner.Id);
        metrics.TokenCreated();
        return new TokenCreationResult(new CreatedToken(token.Id, token.Name, token.Note, token.CreatedAt, token.ExpiresAt, secret), null, null);
    }
}

internal sealed record TokenCreationResult(CreatedToken? Created, string? Field, string? Message)
{
    public static TokenCreationResult Invalid(string field, string message) => new(null, field, message);
}
