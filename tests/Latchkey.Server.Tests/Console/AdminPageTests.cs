using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Latchkey.Server.Tests.Console;

/// <summary>An admin's pages in a real browser: clusters and their wiring, the audit log, settings and an invitation.</summary>
[Collection(BrowserTests.Name)]
public class AdminPageTests
{
    [Fact]
    public async Task An_admin_adds_and_wires_a_cluster_reads_the_audit_log_and_invites_a_member_who_then_signs_in()
    {
        await using var app = await TestApp.StartAsync();
        await using var browser = await ConsoleBrowser.StartAsync(app);
        var page = browser.Page;
        await browser.SignInAsync(TestApp.AdminEmail, TestApp.AdminPassword);

        await page.GetByRole(AriaRole.Link, new() { Name = "Clusters" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No clusters here yet" })).ToBeVisibleAsync();
        await browser.CheckPageAsync("clusters-empty");
        await page.GetByRole(AriaRole.Link, new() { Name = "Add cluster" }).First.ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Prod_1");
        await page.GetByLabel("API server URL", new() { Exact = true }).FillAsync("https://prod-1.k8s.example.test:6443");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add cluster" }).ClickAsync();
        await Assertions.Expect(page.Locator("#name-error")).ToContainTextAsync("lower-case letters");
        await browser.CheckPageAsync("cluster-add-errors");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("prod-1");
        await page.GetByLabel("Zone (optional)").FillAsync("eu-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add cluster" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Cluster prod-1" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#rbac")).ToContainTextAsync("latchkey:cluster-admin");
        await browser.CheckPageAsync("cluster-detail");

        await page.GetByRole(AriaRole.Button, new() { Name = "Issue webhook credential and show configuration" }).ClickAsync();
        await Assertions.Expect(page.Locator("#authn-file")).ToContainTextAsync("/apis/authentication.k8s.io/v1/tokenreviews");
        await Assertions.Expect(page.Locator("#flags")).ToContainTextAsync("--authentication-token-webhook-version=v1");
        await browser.CheckPageAsync("cluster-wiring");
        Assert.Equal(1, await app.WithStoreAsync(db => Task.FromResult(db.ClusterCredentials.Count())));

        await browser.OpenAsync("/clusters");
        await browser.CheckPageAsync("clusters");
        await browser.OpenAsync("/clusters/prod-1/remove");
        await browser.CheckPageAsync("cluster-remove-confirm");

        await browser.OpenAsync("/audit");
        await Assertions.Expect(page.Locator("tbody tr").First).ToContainTextAsync("webhook-credential.create");
        await browser.CheckPageAsync("audit");
        await page.GetByLabel("Action").FillAsync("cluster.create");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Assertions.Expect(page.Locator("tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("tbody tr")).ToContainTextAsync(TestApp.AdminEmail);

        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await page.GetByLabel("Maximum lifetime of a new token, in days").FillAsync("0");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save token policy" }).ClickAsync();
        await Assertions.Expect(page.Locator("#maxDays-error")).ToContainTextAsync("from 1 to");
        await page.GetByLabel("Maximum lifetime of a new token, in days").FillAsync("90");
        await page.GetByLabel("Allow tokens that never expire").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save token policy" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("token policy was saved");
        await browser.CheckPageAsync("settings");
        var organization = await app.WithStoreAsync(db => Task.FromResult(db.Organizations.Single()));
        Assert.Equal(90, organization.MaxTokenLifetimeDays);
        Assert.True(organization.AllowNoExpiration);

        await page.GetByRole(AriaRole.Link, new() { Name = "Invite member" }).ClickAsync();
        await browser.CheckPageAsync("invite-form");
        await page.GetByLabel("Email").FillAsync("new@example.test");
        await page.GetByLabel("Role on the whole organization").SelectOptionAsync("cluster-viewer");
        await page.GetByRole(AriaRole.Button, new() { Name = "Invite" }).ClickAsync();
        var link = await page.GetByRole(AriaRole.Textbox, new() { Name = "Invitation link" }).InputValueAsync();
        Assert.StartsWith($"{app.BaseAddress}invite/", link, StringComparison.Ordinal);
        await browser.CheckPageAsync("invite-link");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await browser.OpenAsync(new Uri(link).PathAndQuery);
        await Assertions.Expect(page.GetByText("new@example.test")).ToBeVisibleAsync();
        await page.GetByLabel("New password").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await Assertions.Expect(page.Locator("#password-error")).ToContainTextAsync("at least 12 characters");
        await browser.CheckPageAsync("invite-accept-errors");
        await page.GetByLabel("New password").FillAsync("correct horse battery staple");
        await page.GetByLabel("Type it again").FillAsync("correct horse battery staple");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Your password is set.")).ToBeVisibleAsync();
        await browser.SignInAsync("new@example.test", "correct horse battery staple");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Settings" })).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Link, new() { Name = "Clusters" }).ClickAsync();
        await Assertions.Expect(page.Locator("tbody tr")).ToContainTextAsync("prod-1");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Add cluster" })).ToHaveCountAsync(0);

        // The link worked once.
        await browser.OpenAsync(new Uri(link).PathAndQuery);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This invitation link does not work" })).ToBeVisibleAsync();
        await browser.CheckPageAsync("invite-used");
        Assert.Equal(404, (await browser.OpenAsync("/settings")).Status);
        await browser.CheckPageAsync("not-found");
    }
}
