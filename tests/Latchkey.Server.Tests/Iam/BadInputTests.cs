using System.Net;
using System.Net.Http.Json;
using System.Text;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Iam;

/// <summary>Every bad input to the IAM API is a 4xx problem+json that says what is wrong, and changes nothing.</summary>
public class BadInputTests
{
    private sealed record Known(Guid Dev, Guid Group, Guid Vpc, Guid Cluster);

    /// <param name="Field">The field named in <c>errors</c> (400 only).</param>
    /// <param name="Says">Words the detail must hold.</param>
    private sealed record Case(HttpStatusCode Status, string Says, Func<HttpClient, Known, Task<HttpResponseMessage>> Send, string? Field = null);

    private static Task<HttpResponseMessage> Grant(HttpClient admin, PrincipalRequest? principal, ScopeRequest? scope, string? role = null, string? preset = null) =>
        admin.PostAsJsonAsync("/api/v1/policies", new CreatePolicyRequest(principal, scope, role, preset));

    private static Task<HttpResponseMessage> Vpc(HttpClient admin, string? name, string? zone, string? cidr) =>
        admin.PostAsJsonAsync("/api/v1/vpcs", new CreateVpcRequest(name, zone, cidr));

    private static readonly ScopeRequest Org = new("organization");

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["policy: unknown role"] = new(HttpStatusCode.BadRequest, "The roles are: cluster-admin, cluster-viewer, logs-reader, metrics-reader, org-admin",
            (a, k) => Grant(a, new("user", k.Dev), Org, "superuser"), "role"),
        ["policy: unknown preset"] = new(HttpStatusCode.BadRequest, "The presets are: admin, metrics, read, write", (a, k) => Grant(a, new("user", k.Dev), Org, preset: "everything"), "preset"),
        ["policy: role and preset together"] = new(HttpStatusCode.BadRequest, "not both", (a, k) => Grant(a, new("user", k.Dev), Org, Roles.MetricsReader, "read"), "role"),
        ["policy: neither role nor preset"] = new(HttpStatusCode.BadRequest, "Give either role", (a, k) => Grant(a, new("user", k.Dev), Org), "role"),
        ["policy: no principal"] = new(HttpStatusCode.BadRequest, "principal is required", (a, k) => Grant(a, null, Org, Roles.MetricsReader), "principal"),
        ["policy: principal of an unknown type"] = new(HttpStatusCode.BadRequest, "'user' or 'group'", (a, k) => Grant(a, new("robot", k.Dev), Org, Roles.MetricsReader), "principal.type"),
        ["policy: principal without id"] = new(HttpStatusCode.BadRequest, "principal.id must be", (a, k) => Grant(a, new("user", null), Org, Roles.MetricsReader), "principal.id"),
        ["policy: unknown user"] = new(HttpStatusCode.BadRequest, "No user with id", (a, k) => Grant(a, new("user", Guid.CreateVersion7()), Org, Roles.MetricsReader), "principal.id"),
        ["policy: a group's id given as a user"] = new(HttpStatusCode.BadRequest, "No user with id", (a, k) => Grant(a, new("user", k.Group), Org, Roles.MetricsReader), "principal.id"),
        ["policy: unknown group"] = new(HttpStatusCode.BadRequest, "No group with id", (a, k) => Grant(a, new("group", Guid.CreateVersion7()), Org, Roles.MetricsReader), "principal.id"),
        ["policy: no scope"] = new(HttpStatusCode.BadRequest, "scope is required", (a, k) => Grant(a, new("user", k.Dev), null, Roles.MetricsReader), "scope"),
        ["policy: scope of an unknown type"] = new(HttpStatusCode.BadRequest, "'organization', 'cluster' or 'vpc'", (a, k) => Grant(a, new("user", k.Dev), new("namespace"), Roles.ClusterViewer), "scope.type"),
        ["policy: organization scope with a name"] = new(HttpStatusCode.BadRequest, "leave out id and name", (a, k) => Grant(a, new("user", k.Dev), new("organization", Name: "other"), Roles.MetricsReader), "scope"),
        ["policy: cluster scope without id or name"] = new(HttpStatusCode.BadRequest, "scope.id or by scope.name", (a, k) => Grant(a, new("user", k.Dev), new("cluster"), Roles.ClusterViewer), "scope"),
        ["policy: unknown cluster by name"] = new(HttpStatusCode.BadRequest, "No cluster named 'staging'", (a, k) => Grant(a, new("user", k.Dev), new("cluster", Name: "staging"), Roles.ClusterViewer), "scope.name"),
        ["policy: unknown cluster by id"] = new(HttpStatusCode.BadRequest, "No cluster with id", (a, k) => Grant(a, new("user", k.Dev), new("cluster", k.Vpc), Roles.ClusterViewer), "scope.id"),
        ["policy: unknown VPC"] = new(HttpStatusCode.BadRequest, "No VPC named 'nowhere'", (a, k) => Grant(a, new("user", k.Dev), new("vpc", Name: "nowhere"), Roles.VpcViewer), "scope.name"),
        ["policy: cluster role on a VPC"] = new(HttpStatusCode.BadRequest, "cluster-viewer applies to the whole organization or to one cluster",
            (a, k) => Grant(a, new("user", k.Dev), new("vpc", k.Vpc), Roles.ClusterViewer), "role"),
        ["policy: VPC role on a cluster"] = new(HttpStatusCode.BadRequest, "vpc-admin applies to the whole organization or to one VPC",
            (a, k) => Grant(a, new("user", k.Dev), new("cluster", k.Cluster), Roles.VpcAdmin), "role"),
        ["policy: token role on a cluster"] = new(HttpStatusCode.BadRequest, "token-admin applies to the whole organization only",
            (a, k) => Grant(a, new("user", k.Dev), new("cluster", Name: "prod-1"), Roles.TokenAdmin), "role"),
        ["policy: metrics role on a VPC"] = new(HttpStatusCode.BadRequest, "metrics-reader applies to the whole organization only",
            (a, k) => Grant(a, new("group", k.Group), new("vpc", Name: "prod-eu"), Roles.MetricsReader), "role"),
        ["policy: org-admin on a cluster"] = new(HttpStatusCode.BadRequest, "org-admin applies to the whole organization only",
            (a, k) => Grant(a, new("user", k.Dev), new("cluster", k.Cluster), Roles.OrgAdmin), "role"),
        ["policy: a preset on a cluster"] = new(HttpStatusCode.BadRequest, "cannot be granted on a cluster",
            (a, k) => Grant(a, new("user", k.Dev), new("cluster", k.Cluster), preset: "write"), "preset"),
        ["policy: the same policy twice"] = new(HttpStatusCode.Conflict, "already holds cluster-viewer on cluster prod-1",
            (a, k) => Grant(a, new("group", k.Group), new("cluster", Name: "prod-1"), Roles.ClusterViewer)),
        ["policy: a field this endpoint does not know"] = new(HttpStatusCode.BadRequest, "a field this endpoint does not know",
            (a, k) => a.PostAsync("/api/v1/policies", Json($$"""{"principal": {"type": "user", "id": "{{k.Dev}}"}, "scope": {"type": "organization"}, "role": "metrics-reader", "expires": "never"}"""))),
        ["policy list: unknown role"] = new(HttpStatusCode.BadRequest, "is not a role", (a, k) => a.GetAsync("/api/v1/policies?role=root"), "role"),
        ["policy list: unknown scope type"] = new(HttpStatusCode.BadRequest, "scopeType must be", (a, k) => a.GetAsync("/api/v1/policies?scopeType=galaxy"), "scopeType"),
        ["policy: revoke an unknown one"] = new(HttpStatusCode.NotFound, "No access policy with that id", (a, k) => a.DeleteAsync($"/api/v1/policies/{Guid.CreateVersion7()}")),
        ["vpc: CIDR that is not one"] = new(HttpStatusCode.BadRequest, "CIDR notation", (a, k) => Vpc(a, "lab", "eu-1", "my network"), "cidr"),
        ["vpc: CIDR with host bits set"] = new(HttpStatusCode.BadRequest, "Did you mean 10.0.0.0/8?", (a, k) => Vpc(a, "lab", "eu-1", "10.0.0.1/8"), "cidr"),
        ["vpc: IPv6 CIDR with host bits set"] = new(HttpStatusCode.BadRequest, "Did you mean fd00::/48?", (a, k) => Vpc(a, "lab", "eu-1", "fd00::1/48"), "cidr"),
        ["vpc: CIDR without a prefix length"] = new(HttpStatusCode.BadRequest, "CIDR notation", (a, k) => Vpc(a, "lab", "eu-1", "10.0.0.0"), "cidr"),
        ["vpc: IPv4 prefix longer than 32"] = new(HttpStatusCode.BadRequest, "0 to 32", (a, k) => Vpc(a, "lab", "eu-1", "10.0.0.0/33"), "cidr"),
        ["vpc: IPv6 prefix longer than 128"] = new(HttpStatusCode.BadRequest, "0 to 128", (a, k) => Vpc(a, "lab", "eu-1", "fd00::/129"), "cidr"),
        ["vpc: IPv4 shorthand"] = new(HttpStatusCode.BadRequest, "CIDR notation", (a, k) => Vpc(a, "lab", "eu-1", "10.1/16"), "cidr"),
        ["vpc: IPv6 zone index"] = new(HttpStatusCode.BadRequest, "CIDR notation", (a, k) => Vpc(a, "lab", "eu-1", "fe80::%eth0/64"), "cidr"),
        ["vpc: no CIDR"] = new(HttpStatusCode.BadRequest, "CIDR notation", (a, k) => Vpc(a, "lab", "eu-1", null), "cidr"),
        ["vpc: name that is not a DNS label"] = new(HttpStatusCode.BadRequest, "lower-case letters", (a, k) => Vpc(a, "Prod EU", "eu-1", "10.9.0.0/16"), "name"),
        ["vpc: no zone"] = new(HttpStatusCode.BadRequest, "zone must be", (a, k) => Vpc(a, "lab", "", "10.9.0.0/16"), "zone"),
        ["vpc: a name that is taken"] = new(HttpStatusCode.Conflict, "A VPC named 'prod-eu' already exists", (a, k) => Vpc(a, "prod-eu", "eu-1", "10.9.0.0/16")),
        ["vpc: delete an unknown one"] = new(HttpStatusCode.NotFound, "No VPC with that id", (a, k) => a.DeleteAsync($"/api/v1/vpcs/{Guid.CreateVersion7()}")),
        ["group: empty name"] = new(HttpStatusCode.BadRequest, "1-64 letters", (a, k) => a.PostAsJsonAsync("/api/v1/groups", new GroupNameRequest("")), "name"),
        ["group: name of 65 characters"] = new(HttpStatusCode.BadRequest, "1-64 letters", (a, k) => a.PostAsJsonAsync("/api/v1/groups", new GroupNameRequest(new string('a', 65))), "name"),
        ["group: name with a space"] = new(HttpStatusCode.BadRequest, "1-64 letters", (a, k) => a.PostAsJsonAsync("/api/v1/groups", new GroupNameRequest("site reliability")), "name"),
        ["group: a name that is taken, in other case"] = new(HttpStatusCode.Conflict, "A group named 'OPS' already exists", (a, k) => a.PostAsJsonAsync("/api/v1/groups", new GroupNameRequest("OPS"))),
        ["group: rename to a bad name"] = new(HttpStatusCode.BadRequest, "1-64 letters", (a, k) => a.PatchAsJsonAsync($"/api/v1/groups/{k.Group}", new GroupNameRequest("ops/eu")), "name"),
        ["group: rename an unknown one"] = new(HttpStatusCode.NotFound, "No group with that id", (a, k) => a.PatchAsJsonAsync($"/api/v1/groups/{Guid.CreateVersion7()}", new GroupNameRequest("x"))),
        ["group: add an unknown user"] = new(HttpStatusCode.NotFound, "No user with that id", (a, k) => a.PutAsync($"/api/v1/groups/{k.Group}/members/{Guid.CreateVersion7()}", null)),
        ["group: remove someone who is not a member"] = new(HttpStatusCode.NotFound, "not a member", (a, k) => a.DeleteAsync($"/api/v1/groups/{k.Group}/members/{k.Dev}")),
        ["group: an id that is not one"] = new(HttpStatusCode.NotFound, "Nothing is at this address", (a, k) => a.GetAsync("/api/v1/groups/ops")),
        ["user: invite without an email address"] = new(HttpStatusCode.BadRequest, "email address", (a, k) => a.PostAsJsonAsync("/api/v1/users", new InviteMemberRequest("not-an-address")), "email"),
        ["user: invite with an unknown role"] = new(HttpStatusCode.BadRequest, "The roles are:", (a, k) => a.PostAsJsonAsync("/api/v1/users", new InviteMemberRequest("x@example.test", Role: "boss")), "role"),
        ["user: invite someone who has an account"] = new(HttpStatusCode.Conflict, "already has an account", (a, k) => a.PostAsJsonAsync("/api/v1/users", new InviteMemberRequest("DEV@example.test"))),
        ["user: disable an unknown one"] = new(HttpStatusCode.NotFound, "no such member", (a, k) => a.PostAsync($"/api/v1/users/{Guid.CreateVersion7()}/disable", null)),
    };

    public static TheoryData<string> Names => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Bad_input_is_a_clear_4xx_and_changes_nothing(string name)
    {
        var @case = Cases[name];
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        await app.AddClusterAsync("prod-1");
        await app.AddUserAsync("dev@example.test");
        var group = await admin.CreateGroupAsync("ops");
        var vpc = await admin.CreateVpcAsync("prod-eu");
        var cluster = Assert.Single(await admin.GrantAsync("group", group.Id, Roles.ClusterViewer, new ScopeRequest("cluster", Name: "prod-1"))).Scope.Id!.Value;
        var known = new Known(await app.UserIdAsync("dev@example.test"), group.Id, vpc.Id, cluster);
        var before = await app.RowCountsAsync();

        var problem = await Api.AssertProblemAsync(await @case.Send(admin, known), @case.Status);

        Assert.Contains(@case.Says, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        if (@case.Field is { } field)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"errors names {field}: {problem}");
            Assert.Contains(@case.Says, messages[0].GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await app.RowCountsAsync());
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
