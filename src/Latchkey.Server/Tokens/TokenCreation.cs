using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>
/// Creating a token for a person, whichever door they use (API, console): the rules, the secret,
/// the row and its audit event, committed together. The secret is returned and kept nowhere.
/// </summary>
internal sealed class TokenCreation(
    TokenIssuer issuer, TokenScopeRules scopeRules, OrganizationCache organizations, AuditLog audit, TimeProvider time)
{
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

        // The caller was verified a moment ago (their account is active); only their organization's token policy is read.
        var organization = await organizations.GetAsync(caller.OrganizationId, cancellationToken).ConfigureAwait(false);
        var (expiresAt, error) = TokenRules.Expiration(request, organization, time.GetUtcNow());
        if (error is { } expirationError)
        {
            return TokenCreationResult.Invalid(expirationError.Field, expirationError.Message);
        }

        var (scopes, scopeError) = await scopeRules.ResolveAsync(db, caller, request.Scopes, organization, cancellationToken).ConfigureAwait(false);
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
        var draft = new TokenDraft(request.Name!.Trim(), note, expiresAt, createdVia, scopes, networks);
        var issued = await issuer.IssueAsync(db, caller.OrganizationId, caller.UserId, draft, token => audit.Event(http, "token.create", "success", caller.Grant, "token", token.Id,
            (token.ExpiresAt is null ? "never expires" : $"expires {token.ExpiresAt:O}") + $", via {createdVia}"
            + (token.Scopes is null ? "" : $", scoped to {token.Scopes}")
            + (token.AllowedCidrs is null ? "" : $", only from {token.AllowedCidrs}") + (auditNote is null ? "" : $"; {auditNote}")), cancellationToken)
            .ConfigureAwait(false);
        if (issued.Value is not { Token: var token, Secret: var secret })
        {
            return TokenCreationResult.Invalid(issued.Refused!.Field ?? "scopes", issued.Refused.Message);
        }

        var described = await ScopeNames.DescribeAsync(db, caller.OrganizationId, scopes, cancellationToken).ConfigureAwait(false);
        return new TokenCreationResult(new CreatedToken(token.Id, token.Name, token.Note, token.CreatedAt, token.ExpiresAt, secret, Scopes: described,
            AllowedCidrs: TokenNetworks.List(networks)), scopes, null, null);
    }
}
internal sealed record TokenCreationResult(CreatedToken? Created, TokenScopeSet? Scopes, string? Field, string? Message)
{
    public static TokenCreationResult Invalid(string field, string message) => new(null, null, field, message);
}
