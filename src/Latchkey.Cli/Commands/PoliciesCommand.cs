using System.CommandLine;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Commands;

/// <summary><c>latchkey policies</c>: who holds which role where (needs the org-admin role).</summary>
internal static class PoliciesCommand
{
    public static Command Build(CliConsole console, CliEnvironment env) =>
        new Command("policies", "List, grant and revoke access policies: a role for a user or group on the organization, a cluster or a VPC (needs the org-admin role).")
        {
            List(console, env),
            PoliciesGrantCommand.Build(console, env),
            Revoke(console, env),
        }.WithExamples(
            "latchkey policies list --user dev@example.com",
            "latchkey policies grant --group platform-team --role cluster-admin --cluster prod-1",
            "latchkey policies revoke 0196f7b2-5c1e-7a3d-9f00-1b2c3d4e5f60");

    /// <param name="principal">A user or group whose policies alone are listed, or null.</param>
    /// <param name="scope">A cluster or VPC whose policies alone are listed (by name), or null.</param>
    public static async Task<int> ListAsync(PrincipalRequest? principal, string? role, ScopeRequest? scope, string format, CliConsole console, ApiClient api,
        CancellationToken cancellationToken)
    {
        var query = new List<string>();
        if (principal is not null)
        {
            query.Add($"principalType={principal.Type}&principalId={principal.Id}");
        }

        if (role is not null)
        {
            query.Add($"role={ApiClient.Segment(role)}");
        }

        if (scope is not null)
        {
            query.Add($"scopeType={scope.Type}");
        }

        var policies = (await api.GetAsync("api/v1/policies" + (query.Count == 0 ? "" : "?" + string.Join('&', query)), CliJson.Default.ListPolicyInfo, cancellationToken))
            .Where(p => scope?.Name is null || p.Scope.Name == scope.Name)
            .ToList();
        if (!OutputFormat.TryWrite(console.Out, format, policies, CliJson.Default.ListPolicyInfo))
        {
            Table.Write(console.Out, ["ID", "PRINCIPAL", "ROLE", "SCOPE", "CREATED"], policies.Select(p =>
                (IReadOnlyList<string>)[p.Id.ToString(), $"{p.Principal.Type} {p.Principal.Name}", p.Role, Where(p.Scope), Table.Time(p.CreatedAt)]));
        }

        return ExitCodes.Ok;
    }

    /// <summary>Every policy is looked up (and shown in the question) before any is revoked.</summary>
    public static async Task<int> RevokeAsync(IReadOnlyList<string> ids, bool yes, CliConsole console, ApiClient api, CancellationToken cancellationToken)
    {
        var policies = new List<PolicyInfo>();
        foreach (var text in ids.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (!Guid.TryParse(text, out var id))
            {
                throw new UsageException($"'{text}' is not a policy id; 'latchkey policies list' shows the ids.");
            }

            policies.Add(await api.GetAsync($"api/v1/policies/{id}", CliJson.Default.PolicyInfo, cancellationToken));
        }

        if (!yes && !console.Confirm($"Revoke {string.Join("; ", policies.Select(Describe))}? The access ends at once.", "revoke"))
        {
            console.Out.WriteLine("Nothing was revoked.");
            return ExitCodes.Ok;
        }

        foreach (var policy in policies)
        {
            await api.DeleteAsync($"api/v1/policies/{policy.Id}", cancellationToken);
            console.Out.WriteLine($"Revoked {Describe(policy)} (policy {policy.Id}).");
        }

        return ExitCodes.Ok;
    }

    /// <summary>For a person: <c>cluster-admin for group sre on cluster prod-1</c>.</summary>
    public static string Describe(PolicyInfo policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var where = policy.Scope.Type switch
        {
            "organization" => "the organization",
            "vpc" => $"VPC {policy.Scope.Name}",
            _ => Where(policy.Scope),
        };
        return $"{policy.Role} for {policy.Principal.Type} {policy.Principal.Name} on {where}";
    }

    /// <summary>The principal named by <c>--user</c> or <c>--group</c> (at most one), found by email, name or id; null for neither.</summary>
    public static async Task<PrincipalRequest?> PrincipalAsync(string? user, string? group, ApiClient api, CancellationToken cancellationToken) => (user, group) switch
    {
        (not null, not null) => throw new UsageException("Give --user or --group, not both."),
        (not null, null) => new PrincipalRequest("user", (await UsersCommand.FindAsync(api, user, cancellationToken)).Id),
        (null, not null) => new PrincipalRequest("group", (await GroupsCommand.FindAsync(api, group, cancellationToken)).Id),
        _ => null,
    };

    /// <summary>The scope named by <c>--cluster</c> or <c>--vpc</c> (at most one); null for the organization.</summary>
    public static ScopeRequest? Scope(string? cluster, string? vpc) => (cluster, vpc) switch
    {
        (not null, not null) => throw new UsageException("Give --cluster or --vpc, not both (neither means the whole organization)."),
        (not null, null) => new ScopeRequest("cluster", Name: cluster),
        (null, not null) => new ScopeRequest("vpc", Name: vpc),
        _ => null,
    };

    /// <summary>A filter on a cluster or VPC that does not exist is an error, not an empty list that looks like "nobody has access".</summary>
    private static async Task CheckExistsAsync(ScopeRequest? scope, ApiClient api, CancellationToken cancellationToken)
    {
        switch (scope)
        {
            case { Type: "cluster", Name: { } cluster }:
                await ClustersCommand.FindAsync(api, cluster, cancellationToken);
                break;
            case { Type: "vpc", Name: { } vpc }:
                await VpcsCommand.FindAsync(api, vpc, cancellationToken);
                break;
        }
    }

    private static string Where(PolicyScope scope) => scope.Type == "organization" ? "organization" : $"{scope.Type} {scope.Name}";

    private static Command List(CliConsole console, CliEnvironment env)
    {
        var user = new Option<string?>("--user") { Description = "Only policies granted to this member (email or id), not those of their groups.", HelpName = "email|id" };
        var group = new Option<string?>("--group") { Description = "Only policies granted to this group (name or id).", HelpName = "name|id" };
        var role = new Option<string?>("--role") { Description = "Only policies of this role.", HelpName = "role" };
        var cluster = new Option<string?>("--cluster") { Description = "Only policies on this cluster.", HelpName = "name" };
        var vpc = new Option<string?>("--vpc") { Description = "Only policies on this VPC.", HelpName = "name" };
        var output = OutputFormat.Option();
        var command = new Command("list", "List access policies: principal, role and scope, with the ids 'revoke' takes.") { user, group, role, cluster, vpc, output };
        command.Aliases.Add("ls");
        command.SetAction(async (parse, cancellationToken) =>
        {
            var scope = Scope(parse.GetValue(cluster), parse.GetValue(vpc));
            using var api = CliConfig.Connect(env);
            var principal = await PrincipalAsync(parse.GetValue(user), parse.GetValue(group), api, cancellationToken);
            await CheckExistsAsync(scope, api, cancellationToken);
            return await ListAsync(principal, parse.GetValue(role), scope, parse.GetValue(output)!, console, api, cancellationToken);
        });
        return command.WithExamples("latchkey policies list", "latchkey policies list --group platform-team", "latchkey policies list --cluster prod-1 -o json");
    }

    private static Command Revoke(CliConsole console, CliEnvironment env)
    {
        var ids = new Argument<string[]>("id") { Description = "Ids of the policies to revoke (from 'latchkey policies list').", Arity = ArgumentArity.OneOrMore };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (needed when there is no terminal)." };
        var command = new Command("revoke", "Revoke access policies. The access they gave ends on the next request.") { ids, yes };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = CliConfig.Connect(env);
            return await RevokeAsync(parse.GetValue(ids)!, parse.GetValue(yes), console, api, cancellationToken);
        });
        return command.WithExamples("latchkey policies revoke 0196f7b2-5c1e-7a3d-9f00-1b2c3d4e5f60", "latchkey policies revoke 0196f7b2-5c1e-7a3d-9f00-1b2c3d4e5f60 --yes");
    }
}
