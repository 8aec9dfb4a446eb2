using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>
/// An organization's token policy: the longest lifetime of a new token, whether one may never
/// expire, which permissions new tokens may be scoped to, and after how many days without use a
/// token is revoked (off when null). Tightening the lifetime applies to new tokens;
/// existing ones beyond it are counted and listed for the admin rather than silently revoked, since
/// killing a CI job's token because a setting changed is an outage nobody asked for.
/// </summary>
internal sealed class TokenPolicy(AccessEvaluator access, AuditLog audit, ChangeFeed changes, TimeProvider time)
{
    public const int MaxLifetimeDays = 3650;

    public async Task<TokenPolicyInfo> ReadAsync(LatchkeyDbContext db, Guid organizationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var organization = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == organizationId, cancellationToken).ConfigureAwait(false);
        var beyond = await new TokenFilter(AllOwners: true) { BeyondPolicyOf = organization }
            .Apply(db.AccessTokens.Where(t => t.OrganizationId == organizationId), Guid.Empty, time.GetUtcNow())
            .CountAsync(cancellationToken).ConfigureAwait(false);
        return new TokenPolicyInfo(organization.MaxTokenLifetimeDays, organization.AllowNoExpiration, Mintable(organization), beyond, organization.IdleRevokeDays);
    }

    public static IReadOnlyList<string>? Mintable(Organization organization)
    {
        ArgumentNullException.ThrowIfNull(organization);
        return organization.MintablePermissions?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// The lifetime limits apply to tokens created from now on; idle revocation to every token at
    /// the lifecycle job's next run. Null when done, else the field at fault and why.
    /// </summary>
    public async Task<(string Field, string Message)?> UpdateAsync(
        LatchkeyDbContext db, HttpContext http, Caller caller, UpdateTokenPolicyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (!await access.HasAsync(caller, Permissions.IamManage, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return ("maxLifetimeDays", "Changing the token policy needs the org-admin role.");
        }

        if (request.MaxLifetimeDays is not { } maxDays || maxDays is < 1 or > MaxLifetimeDays)
        {
            return ("maxLifetimeDays", $"The maximum lifetime must be a whole number of days from 1 to {MaxLifetimeDays}.");
        }

        string? mintable = null;
        if (request.MintableScopes is { } wanted)
        {
            var unknown = wanted.FirstOrDefault(p => p is null || !TokenScopeSet.Grantable.ContainsKey(p));
            if (wanted.Count == 0 || unknown is not null || wanted.Count != wanted.Distinct(StringComparer.Ordinal).Count())
            {
                return ("mintableScopes", (unknown is null ? "mintableScopes must list permissions once each, or be left out to allow any token."
                    : $"'{unknown}' is not a permission.") + $" Permissions: {string.Join(", ", TokenScopeSet.Grantable.Keys.Order(StringComparer.Ordinal))}.");
            }

            mintable = string.Join(' ', wanted.Order(StringComparer.Ordinal));
        }

        var idleRevokeDays = request.IdleRevokeDays;
        if (idleRevokeDays is not (null or (>= 1 and <= MaxLifetimeDays)))
        {
            return ("idleRevokeDays", $"Revoking idle tokens needs a whole number of days from 1 to {MaxLifetimeDays}; leave it empty to keep unused tokens.");
        }

        var allowNoExpiration = request.AllowNoExpiration ?? false;
        var organization = await db.Organizations.SingleAsync(o => o.Id == caller.OrganizationId, cancellationToken).ConfigureAwait(false);
        if (organization.MaxTokenLifetimeDays != maxDays || organization.AllowNoExpiration != allowNoExpiration || organization.MintablePermissions != mintable
            || organization.IdleRevokeDays != idleRevokeDays)
        {
            organization.MaxTokenLifetimeDays = maxDays;
            organization.AllowNoExpiration = allowNoExpiration;
            organization.MintablePermissions = mintable;
            organization.IdleRevokeDays = idleRevokeDays;
            db.AuditEvents.Add(audit.Event(http, "organization.token-policy", "success", caller.Grant, "organization", organization.Slug,
                $"maximum lifetime {maxDays} days, no expiration {(allowNoExpiration ? "allowed" : "not allowed")}, "
                + (mintable is null ? "any scopes" : $"scopes limited to {mintable}") + ", "
                + (idleRevokeDays is { } idle ? $"tokens unused for {idle} days revoked" : "unused tokens kept")));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await changes.OrganizationChangedAsync(organization.Id).ConfigureAwait(false);
        }

        return null;
    }
}
