using System.Net;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Latchkey.Server.Tests.Console;

/// <summary>Scoped tokens and effective access in the console, in a real browser.</summary>
[Collection(BrowserTests.Name)]
public class ScopePageTests
{
    private const string Member = "grafana-owner@example.test";

    [Fact]
    public async Task A_member_creates_a_scoped_token_and_reads_their_access()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddUserAsync(Member, role: Roles.MetricsReader);
        await using var browser = await ConsoleBrowser.StartAsync(app);
        var page = browser.Page;
        await browser.OpenAsync("/");
        await browser.SignInAsync(Member, "pw-" + Member);

        await browser.OpenAsync("/tokens/new");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("grafana");
        await page.GetByLabel("Scopes (optional", new() { Exact = false }).FillAsync("logs:read");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create Token" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Scopes (optional", new() { Exact = false })).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.Locator("#scopes-error")).ToContainTextAsync("wider than your own rights");

        await page.GetByLabel("Scopes (optional", new() { Exact = false }).FillAsync("metrics:read");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create Token" }).ClickAsync();
        var secret = await page.Locator("#token-secret").InputValueAsync();
        await Assertions.Expect(page.Locator("dd.mono", new() { HasText = "metrics:read" })).ToBeVisibleAsync();

        using (var client = app.Client(secret))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/tokens")).StatusCode);
        }

        await page.GetByRole(AriaRole.Link, new() { Name = "Access", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your access" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("tbody tr", new() { HasText = "metrics:read" })).ToContainTextAsync("Whole organization");
        await Assertions.Expect(page.Locator("tbody tr", new() { HasText = "metrics:read" })).ToContainTextAsync(Roles.MetricsReader);
        await browser.CheckPageAsync("access");
    }
}
