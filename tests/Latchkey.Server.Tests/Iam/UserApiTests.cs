using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Iam;

public class UserApiTests
{
    [Fact]
    public async Task An_admin_lists_and_shows_members_with_their_roles_on_the_organization_and_their_groups()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        await app.AddUserAsync("dev@example.test", role: Roles.TokenViewer);
        var dev = await app.UserIdAsync("dev@example.test");
        await app.AddClusterAsync("prod-1");
        await admin.GrantAsync("user", dev, Roles.ClusterAdmin, new ScopeRequest("cluster", Name: "prod-1"));
        var group = await admin.CreateGroupAsync("developers");
        await admin.AddMemberAsync(group.Id, dev);

        var members = await Api.ReadAsync<List<MemberSummary>>(await admin.GetAsync("/api/v1/users"));
        Assert.Equal([TestApp.AdminEmail, "dev@example.test"], members.Select(m => m.Email));
        Assert.Equal([Roles.OrgAdmin], members[0].Roles);
        var shown = await Api.ReadAsync<MemberSummary>(await admin.GetAsync($"/api/v1/users/{dev}"));
        Assert.Equal((dev, "dev@example.test", "dev", "active"), (shown.Id, shown.Email, shown.DisplayName, shown.Status));
        Assert.Equal([Roles.TokenViewer], shown.Roles);
        Assert.Equal([new GroupRef(group.Id, "developers")], shown.Groups);
        await Api.AssertProblemAsync(await admin.GetAsync($"/api/v1/users/{Guid.CreateVersion7()}"), HttpStatusCode.NotFound);

        using var member = app.Client(await app.LoginAsync("dev@example.test", "pw-dev@example.test"));
        await Api.AssertProblemAsync(await member.GetAsync("/api/v1/users"), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await member.GetAsync($"/api/v1/users/{dev}"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_admin_invites_a_member_whose_link_sets_a_password_and_the_invitation_is_audited()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());

        var response = await admin.PostAsJsonAsync("/api/v1/users", new InviteMemberRequest("New@Example.test", "New Person", Roles.ClusterViewer));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var invited = (await response.Content.ReadFromJsonAsync<InvitedMember>())!;
        Assert.Equal(("New@Example.test", "invited"), (invited.Member.Email, invited.Member.Status));
        Assert.Equal([Roles.ClusterViewer], invited.Member.Roles);
        Assert.StartsWith($"{app.BaseAddress}invite/", invited.InvitationUrl, StringComparison.Ordinal);
        Assert.Equal(app.Time.GetUtcNow().AddDays(7), invited.ExpiresAt);
        Assert.Equal($"/api/v1/users/{invited.Member.Id}", response.Headers.Location?.OriginalString);

        using (var console = new ConsoleClient(app))
        {
            await console.SubmitAsync(new Uri(invited.InvitationUrl).PathAndQuery,
                new() { ["password"] = "correct horse battery staple", ["confirmation"] = "correct horse battery staple" });
        }

        await app.LoginAsync("New@Example.test", "correct horse battery staple");
        Assert.Equal("active", (await Api.ReadAsync<MemberSummary>(await admin.GetAsync($"/api/v1/users/{invited.Member.Id}"))).Status);
        Assert.Contains("cluster-viewer", Assert.Single(await app.AuditedAsync("user.invite")).Detail, StringComparison.Ordinal);

        await Api.AssertProblemAsync(await admin.PostAsJsonAsync("/api/v1/users", new InviteMemberRequest("new@example.test")), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task An_admin_disables_and_enables_a_member_with_audit_events_but_not_themselves()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        await app.AddUserAsync("dev@example.test");
        var dev = await app.UserIdAsync("dev@example.test");

        Assert.Equal("disabled", (await Api.ReadAsync<MemberSummary>(await admin.PostAsync($"/api/v1/users/{dev}/disable", null))).Status);
        Assert.Equal("active", (await Api.ReadAsync<MemberSummary>(await admin.PostAsync($"/api/v1/users/{dev}/enable", null))).Status);
        Assert.Equal("dev@example.test", Assert.Single(await app.AuditedAsync("user.disable")).TargetId);
        Assert.Equal("dev@example.test", Assert.Single(await app.AuditedAsync("user.enable")).TargetId);
        Assert.All(await app.AuditedAsync("user.disable"), e => Assert.Equal("success", e.Outcome));

        var self = await Api.AssertProblemAsync(await admin.PostAsync($"/api/v1/users/{await app.UserIdAsync(TestApp.AdminEmail)}/disable", null), HttpStatusCode.Conflict);
        Assert.Contains("your own account", self.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await Api.AssertProblemAsync(await admin.PostAsync($"/api/v1/users/{Guid.CreateVersion7()}/disable", null), HttpStatusCode.NotFound);

        using var member = app.Client(await app.LoginAsync("dev@example.test", "pw-dev@example.test"));
        await Api.AssertProblemAsync(await member.PostAsync($"/api/v1/users/{await app.UserIdAsync(TestApp.AdminEmail)}/disable", null), HttpStatusCode.Forbidden);
        Assert.Equal(2, await app.WithStoreAsync(db => Task.FromResult(db.Users.Count(u => u.IsActive))));
        var refused = (await app.AuditedAsync("user.disable")).Where(e => e.Outcome == "denied").ToList();
        Assert.Equal([TestApp.AdminEmail, "dev@example.test"], refused.Select(e => e.ActorEmail));
    }
}
