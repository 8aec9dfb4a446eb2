using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Audit;
using Latchkey.Server.Clusters;
using Latchkey.Server.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Vpcs;

/// <summary>
/// The organization's VPCs, from the API and the console. Seeing one needs vpcs:view on the
/// organization or on that VPC; creating needs vpcs:manage on the organization, deleting
/// vpcs:manage on the organization or that VPC.
/// </summary>
internal sealed class VpcRegistry(AccessEvaluator access, ChangeFeed changes, AuditLog audit, TimeProvider time)
{
    private static readonly Refused NoSuchVpc = Refused.NotFound("No VPC with that id exists in your organization.");

    /// <summary>The VPCs the caller may see, by name.</summary>
    public async Task<List<Vpc>> VisibleAsync(LatchkeyDbContext db, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var visible = await access.VpcsWithAsync(caller, Permissions.VpcsView, cancellationToken).ConfigureAwait(false);
        var query = db.Vpcs.AsNoTracking().Where(v => v.OrganizationId == caller.OrganizationId);
        if (visible is not null)
        {
            query = query.Where(v => visible.Contains(v.Id));
        }

        return await query.OrderBy(v => v.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The VPC, or null when it does not exist or the caller may not see it (the two look the same).</summary>
    public async Task<Vpc?> FindAsync(LatchkeyDbContext db, Caller caller, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var vpc = await db.Vpcs.SingleOrDefaultAsync(v => v.Id == id && v.OrganizationId == caller.OrganizationId, cancellationToken).ConfigureAwait(false);
        return vpc is not null && await access.HasOnVpcAsync(caller, Permissions.VpcsView, vpc.Id, cancellationToken).ConfigureAwait(false) ? vpc : null;
    }

    public Task<bool> MayCreateAsync(Caller caller, CancellationToken cancellationToken) =>
        access.HasAsync(caller, Permissions.VpcsManage, cancellationToken: cancellationToken);

    public async Task<Outcome<Vpc>> CreateAsync(LatchkeyDbContext db, HttpContext http, Caller caller, CreateVpcRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (!await MayCreateAsync(caller, cancellationToken).ConfigureAwait(false))
        {
            return await audit.DeniedAsync(db, http, caller, "vpc.create", "vpc", request.Name is { Length: > 63 } n ? n[..63] : request.Name,
                Refused.Forbidden("Creating VPCs needs the org-admin or vpc-admin role on the organization."), cancellationToken).ConfigureAwait(false);
        }

        if (string.IsNullOrEmpty(request.Name) || !ClusterRules.DnsLabel().IsMatch(request.Name))
        {
            return Refused.Invalid("name", "The VPC name must be 1-63 lower-case letters, digits or '-', starting and ending with a letter or digit, such as prod-eu.");
        }

        if (string.IsNullOrEmpty(request.Zone) || !ClusterRules.DnsLabel().IsMatch(request.Zone))
        {
            return Refused.Invalid("zone", "zone must be 1-63 lower-case letters, digits or '-', such as eu-1.");
        }

        var (cidr, problem) = CidrRules.Check(request.Cidr);
        if (cidr is null)
        {
            return Refused.Invalid(CidrRules.Field, problem!);
        }

        if (await db.Vpcs.AnyAsync(v => v.OrganizationId == caller.OrganizationId && v.Name == request.Name, cancellationToken).ConfigureAwait(false))
        {
            return Refused.Conflict($"A VPC named '{request.Name}' already exists in your organization.", "name");
        }

        var vpc = new Vpc
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = caller.OrganizationId,
            Name = request.Name,
            Zone = request.Zone,
            Cidr = cidr,
            CreatedAt = time.GetUtcNow(),
        };
        db.Vpcs.Add(vpc);
        db.AuditEvents.Add(audit.Event(http, "vpc.create", "success", caller.Grant, "vpc", vpc.Name, $"{vpc.Cidr} in zone {vpc.Zone}"));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await changes.PoliciesChangedAsync().ConfigureAwait(false);
        return vpc;
    }

    /// <summary>
    /// Deletes a VPC that no access policy is scoped to. One that is in use is refused, naming the
    /// policies: revoking them first makes whoever deletes the VPC see who loses access by it.
    /// </summary>
    public async Task<Outcome<Vpc>> DeleteAsync(LatchkeyDbContext db, HttpContext http, Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var vpc = await FindAsync(db, caller, id, cancellationToken).ConfigureAwait(false);
        if (vpc is null)
        {
            return await audit.DeniedAsync(db, http, caller, "vpc.delete", "vpc", id.ToString(), NoSuchVpc, cancellationToken).ConfigureAwait(false);
        }

        if (!await access.HasOnVpcAsync(caller, Permissions.VpcsManage, id, cancellationToken).ConfigureAwait(false))
        {
            return await audit.DeniedAsync(db, http, caller, "vpc.delete", "vpc", vpc.Name,
                Refused.Forbidden("Deleting a VPC needs the org-admin or vpc-admin role."), cancellationToken).ConfigureAwait(false);
        }

        var policies = await db.AccessPolicies.AsNoTracking()
            .Where(p => p.OrganizationId == caller.OrganizationId && p.ScopeType == PolicyScopeType.Vpc && p.ScopeId == id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (policies.Count > 0)
        {
            var named = await PolicyDescriptions.DescribeAsync(db, policies, cancellationToken).ConfigureAwait(false);
            return Refused.Conflict($"VPC '{vpc.Name}' is the scope of {policies.Count} access policy(ies), so it was not deleted: "
                + string.Join("; ", named.Select(p => $"{p.Role} for {p.Principal.Type} {p.Principal.Name} (policy {p.Id})"))
                + ". Revoke them first (under Settings, Access policies, or DELETE /api/v1/policies/{id}).");
        }

        db.Vpcs.Remove(vpc);
        db.AuditEvents.Add(audit.Event(http, "vpc.delete", "success", caller.Grant, "vpc", vpc.Name, vpc.Cidr));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await changes.PoliciesChangedAsync().ConfigureAwait(false);
        return vpc;
    }

    public static VpcInfo Describe(Vpc v) => new(v.Id, v.Name, v.Zone, v.Cidr, v.CreatedAt);
}
