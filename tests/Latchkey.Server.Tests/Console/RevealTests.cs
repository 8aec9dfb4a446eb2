using System.Diagnostics;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Latchkey.Server.Tests.Console;

/// <summary>The reveal in a real browser: a kubeconfig kubectl reads, and a secret that reload and back never bring back.</summary>
[Collection(BrowserTests.Name)]
public class RevealTests
{
    private const string Member = "dev@example.test";

    [Fact]
    public async Task The_reveal_downloads_a_kubeconfig_kubectl_reads_and_reload_and_back_never_show_the_secret_again()
    {
        var kubectl = Requires.Program("kubectl");
        await using var app = await TestApp.StartAsync(https: true);
        await app.AddClusterAsync("prod-1");
        await app.AddUserAsync(Member);
        await app.GrantAsync(Member, Roles.ClusterViewer, "prod-1");
        await using var browser = await ConsoleBrowser.StartAsync(app, ignoreHttpsErrors: true);
        var page = browser.Page;
        await browser.SignInAsync(Member, "pw-" + Member);

        await browser.OpenAsync("/tokens/new");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Laptop kubectl");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create Token" }).ClickAsync();
        var secret = await page.GetByRole(AriaRole.Textbox, new() { Name = "Token secret" }).InputValueAsync();
        var tokenId = (await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Single(t => t.Name == "Laptop kubectl")))).Id;

        await page.GetByLabel("Cluster").SelectOptionAsync("prod-1");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download kubeconfig" }).ClickAsync());
        Assert.Equal("prod-1-kubeconfig.yaml", download.SuggestedFilename);
        var folder = Directory.CreateTempSubdirectory("latchkey-kubeconfig-").FullName;
        try
        {
            var file = Path.Combine(folder, download.SuggestedFilename);
            await download.SaveAsAsync(file);
            var view = await KubectlAsync(kubectl, "config", "view", "--kubeconfig", file, "--raw", "-o",
                "jsonpath={.current-context}|{.contexts[0].context.user}|{.users[0].name}|{.users[0].user.token}|{.contexts[0].context.namespace}");
            Assert.Equal($"prod-1-laptop-kubectl|latchkey-{tokenId}-laptop-kubectl|latchkey-{tokenId}-laptop-kubectl|{secret}|default", view);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        // The reveal is still on screen after the download; the secret is on it exactly once more (the download form).
        await Assertions.Expect(page.GetByRole(AriaRole.Textbox, new() { Name = "Token secret" })).ToHaveValueAsync(secret);

        // Reload re-sends the POST: its used nonce is refused, no second token, no secret.
        await page.ReloadAsync();
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
        await Assertions.Expect(page.GetByText("This form was already sent.")).ToBeVisibleAsync();

        // Away and back: the page is not served from any cache, and nothing shows the secret.
        await browser.OpenAsync("/tokens");
        foreach (var step in new[] { "back to the refused re-send", "back to the reveal" })
        {
            await GoBackAsync(page);
            Assert.False((await SettledContentAsync(page)).Contains(secret, StringComparison.Ordinal), $"{step} shows the secret");
        }

        Assert.Equal(1, await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Count(t => t.CreatedVia == "console"))));
        var events = await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Where(e => e.Action == "kubeconfig.download").ToList()));
        Assert.Equal(tokenId, Assert.Single(events).TargetId);
    }

    private static async Task GoBackAsync(IPage page)
    {
        try
        {
            await page.GoBackAsync();
        }
        catch (PlaywrightException e) when (e.Message.Contains("ERR_CACHE_MISS", StringComparison.Ordinal))
        {
            // Chromium will not show again a POST answer that no cache may keep: the outcome wanted.
        }
    }

    /// <summary>The page's markup once a navigation (such as to Chromium's own error page) has finished.</summary>
    private static async Task<string> SettledContentAsync(IPage page)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await page.ContentAsync();
            }
            catch (PlaywrightException e) when (attempt < 20 && e.Message.Contains("navigating", StringComparison.Ordinal))
            {
                await page.WaitForLoadStateAsync(LoadState.Load);
            }
        }
    }

    private static async Task<string> KubectlAsync(string kubectl, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(kubectl, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"kubectl exited {process.ExitCode}: {errors}");
        return output;
    }
}
