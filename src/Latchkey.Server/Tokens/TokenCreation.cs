using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Iam;
using Latchkey.Server.Observability;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>
/// Creating a token for a person, whichever door they use (API, console): the rules, the secret,
/// the row and its audit event, committed together. The secret is returned and kept nowhere.
/// </summary>
internal sealed class TokenCreation(TokenIssuer issuer, TokenScopeRules scopeRules, AuditLog audit, LatchkeyMetrics metrics, TimeProvider time, ILogger<TokenCreation> logger)
{
    // Compiled and untracked: this read is on the path of every creation, and nothing in it changes.
    private static readonly Func<LatchkeyDbContext, Guid, CancellationToken, Task<User?>> FindOwner =
        EF.CompileAsyncQuery((LatchkeyDbContext db, Guid userId, CancellationToken _) =>
            db.Users.AsNoTracking().Include(u => u.Organization).SingleOrDefault(u => u.Id == userId));

    public async Task<TokenCreationResult> CreateAsync(
        LatchkeyDbContext db, HttpContext http, Caller caller, CreateTokenRequest request, string createdVia, CancellationToken cancellationToken,
        string? auditNote = null, Guid? kubeconfigClusterId = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (TokenRules.CheckText(request) is { } textError)
        {
            return TokenCreationResult.Invalid(textError.Field, textError.Message);
        }

        var (networks, networkError) = TokenNetworks.Check(request.AllowedCidrs);
        if (networkError is not null)
        {
            return TokenCreationResult.Invalid(TokenNetworks.Field, networkError);
        }

        var owner = await FindOwner(db, caller.UserId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The caller's account no longer exists.");
        var (expiresAt, error) = TokenRules.Expiration(request, owner.Organization, time.GetUtcNow());
        if (error is { } expirationError)
        {
            return TokenCreationResult.Invalid(expirationError.Field, expirationError.Message);
        }

        var (scopes, scopeError) = await scopeRules.ResolveAsync(db, caller, request.Scopes, owner.Organization, cancellationToken).ConfigureAwait(false);
        if (scopeError is { } invalidScopes)
        {
            return TokenCreationResult.Invalid(invalidScopes.Field, invalidScopes.Message);
        }

        if (kubeconfigClusterId is { } clusterId && scopes is not null
            && !scopes.Allows(Permissions.ClustersView, clusterId) && !scopes.Allows(Permissions.ClustersAdmin, clusterId))
        {
            return TokenCreationResult.Invalid("scopes", "The token's scopes do not include the cluster its kubeconfig is for; add clusters:view:<cluster> to scopes.");
        }

        var note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim();
        var (token, secret) = issuer.Issue(owner, request.Name!.Trim(), note, expiresAt, createdVia);
        token.Scopes = scopes?.ToStored();
        token.AllowedCidrs = networks;
        db.AccessTokens.Add(token);
        db.AuditEvents.Add(audit.Event(http, "token.create", "success", caller.Grant, "token", token.Id,
            (expiresAt is null ? "never expires" : $"expires {expiresAt:O}") + $", via {createdVia}"
            + (token.Scopes is null ? "" : $", scoped to {token.Scopes}")
            + (networks is null ? "" : $", only from {networks}") + (auditNote is null ? "" : $"; {auditNote}")));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        Log.TokenCreated(logger, token.Id, owner.Id);
        metrics.TokenCreated();
        var described = await ScopeNames.DescribeAsync(db, owner.OrganizationId, scopes, cancellationToken).ConfigureAwait(false);
        return new TokenCreationResult(new CreatedToken(token.Id, token.Name, token.Note, token.CreatedAt, token.ExpiresAt, secret, Scopes: described,
            AllowedCidrs: TokenNetworks.List(networks)), scopes, null, null);
    }
}

internal sealed record TokenCreationResult(CreatedToken? Created, TokenScopeSet? Scopes, string? Field, string? Message)
{
    public static TokenCreationResult Invalid(string field, string message) => new(null, null, field, message);
}
