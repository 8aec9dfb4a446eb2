using System.Net;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Latchkey.Server.Tests.Console;

/// <summary>Deleting with a confirmation step, and an admin revoking a member's token, in a real browser.</summary>
[Collection(BrowserTests.Name)]
public class RevocationPageTests
{
    [Fact]
    public async Task A_member_deletes_after_confirming_and_an_admin_revokes_another_members_token()
    {
        await using var app = await TestApp.StartAsync();
        var member = await app.AddUserAsync("dev@example.test");
        var own = await app.CreateTokenAsync(member, new CreateTokenRequest("ci-deploy", "pipeline of the infra repo"));
        var other = await app.CreateTokenAsync(await app.AddUserAsync("ops@example.test"), new CreateTokenRequest("ops-laptop"));
        await using var browser = await ConsoleBrowser.StartAsync(app);
        var page = browser.Page;
        await browser.SignInAsync("dev@example.test", "pw-dev@example.test");

        var row = page.Locator("tbody tr", new() { HasText = "ci-deploy" });
        await Assertions.Expect(row.GetByText("Active")).ToBeVisibleAsync();
        await row.GetByRole(AriaRole.Link, new() { Name = "Delete token ci-deploy" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Delete token “ci-deploy”?" })).ToBeVisibleAsync();
        await browser.CheckPageAsync("token-delete-confirm");

        // Nothing happens until the confirmation is sent.
        using (var client = app.Client(own.Secret))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete token" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The token was revoked");
        await Assertions.Expect(page.Locator("tbody tr", new() { HasText = "ci-deploy" }).GetByText("Revoked", new() { Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Delete token ci-deploy" })).ToHaveCountAsync(0);
        using (var client = app.Client(own.Secret))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        }

        // A member sees no way to other people's tokens: no filter, and their confirmation page is not found.
        await Assertions.Expect(page.GetByLabel("Whose tokens")).ToHaveCountAsync(0);
        Assert.Equal(404, (await page.GotoAsync($"/tokens/{other.Id}/delete"))!.Status);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.GetByText("You are signed out.")).ToBeVisibleAsync();
        await browser.SignInAsync(TestApp.AdminEmail, TestApp.AdminPassword);
        await page.GetByLabel("Whose tokens").SelectOptionAsync("all");
        await page.GetByLabel("Status").SelectOptionAsync("active");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "All tokens of the organization" })).ToBeVisibleAsync();
        var otherRow = page.Locator("tbody tr", new() { HasText = "ops-laptop" });
        await Assertions.Expect(otherRow).ToContainTextAsync("ops@example.test");
        await Assertions.Expect(page.Locator("tbody tr", new() { HasText = "ci-deploy" })).ToHaveCountAsync(0);
        await browser.CheckPageAsync("tokens-all");
        await otherRow.GetByRole(AriaRole.Link, new() { Name = "Revoke token ops-laptop" }).ClickAsync();
        await Assertions.Expect(page.GetByText("ops@example.test")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke token" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The token was revoked");
        using (var client = app.Client(other.Secret))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/whoami")).StatusCode);
        }

        var revoked = await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Where(e => e.Action == "token.revoke" && e.Outcome == "success").ToList()));
        Assert.Contains(revoked, e => e.TargetId == own.Id && e.ActorEmail == "dev@example.test" && e.ActorTokenId == null);
        Assert.Contains(revoked, e => e.TargetId == other.Id && e.ActorEmail == TestApp.AdminEmail && e.Detail == "revoked by an administrator");
    }
}
