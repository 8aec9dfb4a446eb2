using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Console.Pages.Settings;

/// <summary>Access policies (iam:manage): the list, granting with three choices, and revoking. The same rules as the API.</summary>
internal sealed class PoliciesModel(LatchkeyDbContext db, PolicyRegistry registry, Members members) : ConsolePageModel
{
    public static IEnumerable<KeyValuePair<string, string[]>> PresetChoices => Roles.LegacyPresets.OrderBy(p => p.Key, StringComparer.Ordinal);

    /// <summary><c>user:&lt;id&gt;</c> or <c>group:&lt;id&gt;</c>.</summary>
    [BindProperty]
    public string? Principal { get; set; }

    /// <summary><c>role:&lt;name&gt;</c> or <c>preset:&lt;name&gt;</c>.</summary>
    [BindProperty]
    public string? Grant { get; set; }

    /// <summary><c>organization</c>, <c>cluster:&lt;id&gt;</c> or <c>vpc:&lt;id&gt;</c>.</summary>
    [BindProperty]
    public string? Scope { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public List<PolicyInfo> Policies { get; private set; } = [];
    public List<MemberInfo> MemberChoices { get; private set; } = [];
    public List<GroupInfo> GroupChoices { get; private set; } = [];
    public List<Cluster> ClusterChoices { get; private set; } = [];
    public List<Vpc> VpcChoices { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!Me.Rights.ManageMembers)
        {
            return NotFound();
        }

        var caller = Me.Caller;
        Policies = await PolicyRegistry.ListAsync(db, caller, new PolicyFilter(), cancellationToken);
        MemberChoices = await members.ListAsync(db, caller, cancellationToken);
        GroupChoices = await GroupRegistry.ListAsync(db, caller, cancellationToken);
        ClusterChoices = await db.Clusters.AsNoTracking().Where(c => c.OrganizationId == caller.OrganizationId).OrderBy(c => c.Name).ToListAsync(cancellationToken);
        VpcChoices = await db.Vpcs.AsNoTracking().Where(v => v.OrganizationId == caller.OrganizationId).OrderBy(v => v.Name).ToListAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!Me.Rights.ManageMembers)
        {
            return NotFound();
        }

        var (principalType, principalId) = Split(Principal);
        var (grantKind, grantName) = Split(Grant);
        var (scopeType, scopeId) = Split(Scope);
        if (principalId is null)
        {
            Errors["principal"] = "Choose the member or group to grant the role to.";
        }

        if (grantName is null || grantKind is not ("role" or "preset"))
        {
            Errors["role"] = "Choose a role, or a legacy permission group.";
        }

        if (Errors.Count > 0)
        {
            return await OnGetAsync(cancellationToken);
        }

        var request = new CreatePolicyRequest(
            new PrincipalRequest(principalType, Guid.TryParse(principalId, out var pid) ? pid : Guid.Empty),
            new ScopeRequest(scopeType, Guid.TryParse(scopeId, out var sid) ? sid : null),
            grantKind == "role" ? grantName : null,
            grantKind == "preset" ? grantName : null);
        var outcome = await registry.GrantAsync(db, HttpContext, Me.Caller, request, cancellationToken);
        if (outcome.Value is not null)
        {
            return LocalRedirect("/settings/policies?done=granted");
        }

        Errors[FormField(outcome.Refused!.Field)] = outcome.Refused.Message;
        return await OnGetAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid policy, CancellationToken cancellationToken)
    {
        if (!Me.Rights.ManageMembers)
        {
            return NotFound();
        }

        var outcome = await registry.RevokeAsync(db, HttpContext, Me.Caller, policy, cancellationToken);
        if (outcome.Value is not null)
        {
            return LocalRedirect("/settings/policies?done=revoked");
        }

        Errors[""] = outcome.Refused!.Message;
        return await OnGetAsync(cancellationToken);
    }

    /// <summary>"kind:value" as its two parts; a value without a colon is a kind alone.</summary>
    private static (string? Kind, string? Value) Split(string? choice) =>
        choice?.Split(':', 2) switch
        {
            [var kind, var value] when value.Length > 0 => (kind, value),
            [var kind] when kind.Length > 0 => (kind, null),
            _ => (null, null),
        };

    /// <summary>The form's three choices stand for the API's fields.</summary>
    private static string FormField(string? apiField) => apiField switch
    {
        null => "",
        _ when apiField.StartsWith("principal", StringComparison.Ordinal) => "principal",
        _ when apiField.StartsWith("scope", StringComparison.Ordinal) => "scope",
        _ => "role",
    };
}
