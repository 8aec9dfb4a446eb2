using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Latchkey.Server.Tests.Console;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright against one test's server: a fresh profile
/// per test, screenshots of each page checked at a desktop and a phone width, and the
/// accessibility basics and security headers asserted on every page visited.
/// </summary>
public sealed class ConsoleBrowser : IAsyncDisposable
{
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    private readonly IPlaywright playwright;
    private readonly string profile;

    private ConsoleBrowser(IPlaywright playwright, string profile, IBrowserContext context, IPage page)
    {
        this.playwright = playwright;
        this.profile = profile;
        Context = context;
        Page = page;
    }

    public IBrowserContext Context { get; }
    public IPage Page { get; }

    /// <param name="ignoreHttpsErrors">For a server on HTTPS with the tests' self-signed certificate.</param>
    public static async Task<ConsoleBrowser> StartAsync(TestApp app, bool ignoreHttpsErrors = false)
    {
        ArgumentNullException.ThrowIfNull(app);
        var chromium = Requires.Chromium();
        var playwright = await Playwright.CreateAsync();
        var profile = Directory.CreateTempSubdirectory("latchkey-chromium-").FullName;
        var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new()
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ChromiumArgs,
            BaseURL = app.BaseAddress.ToString(),
            ViewportSize = new() { Width = 1280, Height = 800 },
            AcceptDownloads = true,
            IgnoreHTTPSErrors = ignoreHttpsErrors,
        });
        // A bound on waits, not a speed check: CI runs the browser beside two other test suites on 2 cores.
        context.SetDefaultTimeout(60_000);
        var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
        return new ConsoleBrowser(playwright, profile, context, page);
    }

    /// <summary>Goes to a console page and checks its headers.</summary>
    public async Task<IResponse> OpenAsync(string path)
    {
        var response = await Page.GotoAsync(path);
        Assert.NotNull(response);
        SecurityHeaders.AssertPresent(path, name => response.Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null);
        return response;
    }

    public async Task SignInAsync(string email, string password)
    {
        await OpenAsync("/signin");
        await Page.GetByLabel("Email").FillAsync(email);
        await Page.GetByLabel("Password").FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        try
        {
            // The answer's arrival is enough: the assertions that follow wait for what they look at.
            await Page.WaitForURLAsync("**/tokens", new() { WaitUntil = WaitUntilState.Commit });
        }
        catch (TimeoutException e)
        {
            // The navigation can commit between the click's return and the wait's start, and under
            // heavy load the wait then misses it: where the browser is decides, not the event.
            if (new Uri(Page.Url).AbsolutePath == "/tokens")
            {
                return;
            }

            var shown = await Page.InnerTextAsync("body", new() { Timeout = 5_000 });
            throw new TimeoutException($"Signing in as {email} did not reach /tokens; the browser shows {Page.Url}: {shown}", e);
        }
    }

    /// <summary>Asserts the accessibility basics of the current page and saves it at 1280x800 and 390x844.</summary>
    public async Task CheckPageAsync(string name)
    {
        var problems = await Page.EvaluateAsync<string[]>(AccessibilityCheck);
        Assert.True(problems.Length == 0, $"{name} ({Page.Url}): {string.Join("; ", problems)}");
        Directory.CreateDirectory(ScreenshotFolder);
        foreach (var (width, height) in new[] { (1280, 800), (390, 844) })
        {
            await Page.SetViewportSizeAsync(width, height);
            await Page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, $"{name}-{width}x{height}.png"), FullPage = true });
            var overflow = await Page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
            Assert.False(overflow, $"{name} scrolls sideways at {width}px");
        }

        await Page.SetViewportSizeAsync(1280, 800);
    }

    /// <summary>Every form control has a label, every button and link a name; the page has a language, a title and one h1.</summary>
    private const string AccessibilityCheck = """
        () => {
          const problems = [];
          const describe = e => e.outerHTML.slice(0, 120);
          const labelledBy = e => (e.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
            .map(id => document.getElementById(id)?.textContent.trim() || '').join('');
          const ariaLabel = e => (e.getAttribute('aria-label') || '').trim();
          for (const e of document.querySelectorAll('input, select, textarea')) {
            if (e.type === 'hidden') continue;
            const labelled = [...(e.labels || [])].some(l => l.textContent.trim()) || ariaLabel(e) || labelledBy(e);
            if (!labelled) problems.push('no label: ' + describe(e));
          }
          for (const e of document.querySelectorAll('button, a[href], [role=button]')) {
            const name = ariaLabel(e) || labelledBy(e) || e.textContent.trim() || (e.getAttribute('title') || '').trim();
            if (!name) problems.push('no accessible name: ' + describe(e));
          }
          if (!document.documentElement.lang) problems.push('no lang on <html>');
          if (!document.title.trim()) problems.push('no <title>');
          if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
          return problems;
        }
        """;

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        playwright.Dispose();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // A leftover browser profile in the temp folder is harmless.
        }
    }
}
