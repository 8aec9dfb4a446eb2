using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Iam;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Latchkey.Server.Tests.Console;

/// <summary>Settings → Groups, Access policies and VPCs in a real browser: create one and see it listed.</summary>
[Collection(BrowserTests.Name)]
public class IamPageTests
{
    [Fact]
    public async Task An_admin_creates_a_group_adds_a_member_and_sees_both_listed()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddUserAsync("dev@example.test");
        await using var browser = await ConsoleBrowser.StartAsync(app);
        var page = browser.Page;
        await browser.SignInAsync(TestApp.AdminEmail, TestApp.AdminPassword);

        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Groups" }).ClickAsync();
        await page.GetByLabel("Name").FillAsync("platform team");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create group" }).ClickAsync();
        await Assertions.Expect(page.Locator("#name-error")).ToContainTextAsync("letters, digits");
        await browser.CheckPageAsync("groups-errors");
        await page.GetByLabel("Name").FillAsync("platform-team");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create group" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Group platform-team" })).ToBeVisibleAsync();
        await page.GetByLabel("Add a member").SelectOptionAsync(new SelectOptionValue { Label = "dev (dev@example.test)" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Add to group" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The member was added");
        await Assertions.Expect(page.Locator("tbody tr")).ToContainTextAsync("dev@example.test");
        await browser.CheckPageAsync("group");

        await page.GetByRole(AriaRole.Link, new() { Name = "All groups" }).ClickAsync();
        await Assertions.Expect(page.Locator("tbody tr")).ToContainTextAsync("platform-team");
        await Assertions.Expect(page.Locator("tbody tr")).ToContainTextAsync("dev@example.test");
        await browser.CheckPageAsync("groups");
        Assert.Equal(1, await app.WithStoreAsync(db => Task.FromResult(db.GroupMembers.Count())));
    }

    [Fact]
    public async Task An_admin_grants_a_group_a_role_on_a_cluster_and_sees_the_policy_listed()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddClusterAsync("prod-1");
        using (var admin = app.Client(await app.LoginAsync()))
        {
            await admin.CreateGroupAsync("oncall");
        }

        await using var browser = await ConsoleBrowser.StartAsync(app);
        var page = browser.Page;
        await browser.SignInAsync(TestApp.AdminEmail, TestApp.AdminPassword);
        await browser.OpenAsync("/settings/policies");

        await page.GetByLabel("Who", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "oncall" });
        await page.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync("role:token-admin");
        await page.GetByLabel("Where", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "prod-1" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Grant" }).ClickAsync();
        await Assertions.Expect(page.Locator("#role-error")).ToContainTextAsync("whole organization only");
        await browser.CheckPageAsync("policies-errors");

        await page.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync("role:cluster-viewer");
        await page.GetByRole(AriaRole.Button, new() { Name = "Grant" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Access granted");
        var row = page.Locator("tbody tr", new() { HasText = "oncall" });
        await Assertions.Expect(row).ToContainTextAsync("cluster-viewer");
        await Assertions.Expect(row).ToContainTextAsync("Cluster prod-1");
        await browser.CheckPageAsync("policies");
        Assert.Equal(1, await app.WithStoreAsync(db => Task.FromResult(db.AccessPolicies.Count(p => p.Role == Roles.ClusterViewer))));
    }

    [Fact]
    public async Task An_admin_creates_a_vpc_and_sees_it_listed()
    {
        await using var app = await TestApp.StartAsync();
        await using var browser = await ConsoleBrowser.StartAsync(app);
        var page = browser.Page;
        await browser.SignInAsync(TestApp.AdminEmail, TestApp.AdminPassword);
        await browser.OpenAsync("/settings/vpcs");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No VPCs here yet" })).ToBeVisibleAsync();

        await page.GetByLabel("Name").FillAsync("prod-eu");
        await page.GetByLabel("Zone").FillAsync("eu-1");
        await page.GetByLabel("Network (CIDR)").FillAsync("10.20.0.1/16");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create VPC" }).ClickAsync();
        await Assertions.Expect(page.Locator("#cidr-error")).ToContainTextAsync("Did you mean 10.20.0.0/16?");
        await browser.CheckPageAsync("vpcs-errors");

        await page.GetByLabel("Network (CIDR)").FillAsync("10.20.0.0/16");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create VPC" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The VPC was created");
        await Assertions.Expect(page.Locator("tbody tr")).ToContainTextAsync("10.20.0.0/16");
        await browser.CheckPageAsync("vpcs");
        Assert.Equal("prod-eu", await app.WithStoreAsync(db => Task.FromResult(db.Vpcs.Single().Name)));
    }
}
