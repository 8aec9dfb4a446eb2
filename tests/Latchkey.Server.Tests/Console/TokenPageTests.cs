using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Latchkey.Server.Tests.Console;

/// <summary>Creating tokens in the console, in a real browser: every kind of expiration, the reveal, and errors beside their fields.</summary>
[Collection(BrowserTests.Name)]
public class TokenPageTests
{
    private const string Member = "dev@example.test";
    private const string MemberPassword = "pw-" + Member;

    [Fact]
    public async Task A_member_creates_tokens_with_every_kind_of_expiration_and_each_revealed_secret_works()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddUserAsync(Member);
        await app.WithStoreAsync(async db =>
        {
            // A fresh member: without the token AddUserAsync signed in with, and in an organization that allows no expiration.
            db.AccessTokens.RemoveRange(db.AccessTokens.Where(t => t.User.Email == Member));
            return await db.SaveChangesAsync();
        });
        await app.AllowNoExpirationAsync();
        await using var browser = await ConsoleBrowser.StartAsync(app);
        var page = browser.Page;

        await browser.OpenAsync("/");
        Assert.EndsWith("/signin?returnUrl=%2F", page.Url, StringComparison.Ordinal);
        await browser.CheckPageAsync("signin");
        await browser.SignInAsync(Member, MemberPassword);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "No tokens yet" })).ToBeVisibleAsync();
        await browser.CheckPageAsync("tokens-empty");

        // Errors appear beside the field they concern, and the form keeps what was typed.
        await page.GetByRole(AriaRole.Link, new() { Name = "Create Token" }).First.ClickAsync();
        await browser.CheckPageAsync("token-create");
        await page.GetByLabel("Custom date", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Note (optional)").FillAsync("kept after an error");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create Token" }).ClickAsync();
        await Assertions.Expect(page.Locator("#expiration-error")).ToContainTextAsync("Choose the date");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("");
        await page.GetByLabel("Custom date (UTC", new() { Exact = false }).FillAsync("2027-01-31");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create Token" }).ClickAsync();
        await Assertions.Expect(page.Locator("#name-error")).ToContainTextAsync("needs a name");
        await Assertions.Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveAttributeAsync("aria-describedby", "name-error name-hint");
        await Assertions.Expect(page.GetByLabel("Note (optional)")).ToHaveValueAsync("kept after an error");
        await browser.CheckPageAsync("token-create-errors");

        var now = app.Time.GetUtcNow();
        var expected = new (string Choice, DateTimeOffset? ExpiresAt)[]
        {
            ("7 days", now.AddDays(7)),
            ("Custom date", new DateTimeOffset(2027, 1, 31, 0, 0, 0, TimeSpan.Zero)),
            ("No expiration", null),
        };
        foreach (var (choice, expiresAt) in expected)
        {
            await browser.OpenAsync("/tokens/new");
            await page.GetByLabel("Name", new() { Exact = true }).FillAsync($"token {choice}");
            await page.GetByLabel(choice, new() { Exact = true }).CheckAsync();
            if (choice == "Custom date")
            {
                await page.GetByLabel("Custom date (UTC", new() { Exact = false }).FillAsync("2027-01-31");
            }

            await page.GetByRole(AriaRole.Button, new() { Name = "Create Token" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Token created" })).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByText("This secret is shown only once.")).ToBeVisibleAsync();
            var secret = await page.GetByRole(AriaRole.Textbox, new() { Name = "Token secret" }).InputValueAsync();
            if (choice == "7 days")
            {
                await browser.CheckPageAsync("token-reveal");
            }

            using var client = app.Client(secret);
            var me = await Api.ReadAsync<WhoAmI>(await client.GetAsync("/api/v1/whoami"));
            Assert.Equal(Member, me.User.Email);
            Assert.Equal($"token {choice}", me.Token.Name);
            Assert.Equal(expiresAt, me.Token.ExpiresAt);
        }

        await browser.OpenAsync("/tokens");
        await Assertions.Expect(page.Locator("tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("tbody tr", new() { HasText = "token No expiration" })).ToContainTextAsync("Never");
        await Assertions.Expect(page.Locator("tbody tr", new() { HasText = "token 7 days" })).ToContainTextAsync("in 7 days");
        await browser.CheckPageAsync("tokens");
        var created = await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Count(t => t.CreatedVia == "console")));
        Assert.Equal(3, created);
    }
}
