using Latchkey.Server.Iam;
using Latchkey.Server.Verification;

namespace Latchkey.Server.Console;

/// <summary>
/// The signed-in person behind a console request, read from the store on every request (so a
/// disabled account stops at once), with what the pages need to know about their rights and the
/// session the request belongs to.
/// </summary>
internal sealed record ConsoleUser(Caller Caller, ConsoleRights Rights, Guid SessionId)
{
    public string Email => Caller.Grant.Email;
    public string DisplayName => Caller.Grant.DisplayName;
    public string OrganizationName => Caller.Grant.OrganizationName;

    /// <summary>
    /// A console session acts as its user without a token: the grant's token id is empty, which
    /// the audit log records as no token.
    /// </summary>
    public static Caller CallerFor(Guid userId, string email, string displayName, Guid organizationId, string organizationSlug, string organizationName) =>
        new(new TokenGrant("", "console session", null, userId, email, displayName, organizationId, organizationSlug, organizationName));
}

/// <summary>What the console shows and allows; every action is checked again where it is carried out.</summary>
internal sealed record ConsoleRights(bool ReadAllTokens, bool RevokeAllTokens, bool ManageClusters, bool ReadAudit, bool ManageMembers)
{
    public static async Task<ConsoleRights> ForAsync(AccessEvaluator access, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(access);
        return new ConsoleRights(
            await access.HasAsync(caller, Permissions.TokensReadAll, cancellationToken: cancellationToken).ConfigureAwait(false),
            await access.HasAsync(caller, Permissions.TokensRevokeAll, cancellationToken: cancellationToken).ConfigureAwait(false),
            await access.HasAsync(caller, Permissions.ClustersManage, cancellationToken: cancellationToken).ConfigureAwait(false),
            await access.HasAsync(caller, Permissions.AuditRead, cancellationToken: cancellationToken).ConfigureAwait(false),
            await access.HasAsync(caller, Permissions.IamManage, cancellationToken: cancellationToken).ConfigureAwait(false));
    }
}
