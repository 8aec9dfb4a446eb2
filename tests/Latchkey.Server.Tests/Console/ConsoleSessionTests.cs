using System.Net;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Console;

/// <summary>Console sessions: their cookies, idle timeout, sign-in throttling and audit, and what disabling a member does.</summary>
public class ConsoleSessionTests
{
    private const string Member = "dev@example.test";
    private const string MemberPassword = "pw-" + Member;

    [Fact]
    public async Task Disabling_a_member_ends_their_console_session_and_tokens_at_once_and_enabling_brings_the_tokens_back()
    {
        await using var app = await TestApp.StartAsync();
        var token = await app.CreateTokenAsync(await app.AddUserAsync(Member), new CreateTokenRequest("ci"));
        using var member = await ConsoleClient.SignInAsync(app, Member, MemberPassword);
        using var tokenClient = app.Client(token.Secret);
        Assert.Equal(HttpStatusCode.OK, (await tokenClient.GetAsync("/api/v1/whoami")).StatusCode);
        using var admin = await ConsoleClient.SignInAsync(app);
        await admin.GetAsync("/settings");
        var memberId = await app.WithStoreAsync(db => Task.FromResult(db.Users.Single(u => u.Email == Member).Id));

        await admin.PostAsync($"/settings?handler=Disable&user={memberId}", new() { ["__RequestVerificationToken"] = admin.AntiforgeryToken() });
        Assert.Contains("The member was disabled.", admin.Html, StringComparison.Ordinal);

        await member.GetAsync("/tokens");
        Assert.Equal("/signin", member.Location?.AbsolutePath);
        Assert.Equal(HttpStatusCode.Unauthorized, (await tokenClient.GetAsync("/api/v1/whoami")).StatusCode);
        using (var again = new ConsoleClient(app))
        {
            await again.SubmitAsync("/signin", new() { ["email"] = Member, ["password"] = MemberPassword });
            Assert.Contains("or the account is disabled", again.Html, StringComparison.Ordinal);
        }

        // An admin cannot lock themselves out.
        var adminId = await app.WithStoreAsync(db => Task.FromResult(db.Users.Single(u => u.Email == TestApp.AdminEmail).Id));
        await admin.PostAsync($"/settings?handler=Disable&user={adminId}", new() { ["__RequestVerificationToken"] = admin.AntiforgeryToken() });
        Assert.Contains("You cannot disable your own account", admin.Html, StringComparison.Ordinal);

        await admin.PostAsync($"/settings?handler=Enable&user={memberId}", new() { ["__RequestVerificationToken"] = admin.AntiforgeryToken() });
        Assert.Contains("The member was enabled again.", admin.Html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await tokenClient.GetAsync("/api/v1/whoami")).StatusCode);

        var events = await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Where(e => e.TargetId == Member).Select(e => e.Action).ToList()));
        Assert.Contains("user.disable", events);
        Assert.Contains("user.enable", events);
    }

    [Fact]
    public async Task A_session_ends_after_the_idle_timeout_and_each_request_extends_it()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:ConsoleIdleTimeout"] = "00:30:00" });
        using var console = await ConsoleClient.SignInAsync(app);

        foreach (var _ in Enumerable.Range(0, 3))
        {
            app.Time.Advance(TimeSpan.FromMinutes(20));
            await console.GetAsync("/tokens");
            Assert.Equal("/tokens", console.Location?.AbsolutePath);
        }

        app.Time.Advance(TimeSpan.FromMinutes(31));
        await console.GetAsync("/tokens");
        Assert.Equal("/signin", console.Location?.AbsolutePath);
    }

    [Fact]
    public async Task A_cookie_copied_before_signing_out_no_longer_opens_the_console()
    {
        await using var app = await TestApp.StartAsync();
        using var console = await ConsoleClient.SignInAsync(app);
        using var thief = new ConsoleClient(app);
        thief.Cookies.Add(console.Cookies.GetCookies(app.BaseAddress));
        await thief.GetAsync("/tokens");
        Assert.Equal("/tokens", thief.Location?.AbsolutePath);

        await console.SubmitAsync("/signout", new());
        Assert.Equal("/signin", console.Location?.AbsolutePath);

        await thief.GetAsync("/tokens");
        Assert.Equal("/signin", thief.Location?.AbsolutePath);
        var logout = Assert.Single(await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Where(e => e.Action == "logout").ToList())));
        Assert.Equal("success", logout.Outcome);
        Assert.Contains("ended", logout.Detail, StringComparison.Ordinal);
        var session = Assert.Single(await app.WithStoreAsync(db => Task.FromResult(db.ConsoleSessions.ToList())));
        Assert.Equal(("signed out", app.Time.GetUtcNow()), (session.EndReason, session.EndedAt));
    }

    [Fact]
    public async Task A_session_ends_at_its_absolute_lifetime_however_busy_it_is()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:ConsoleIdleTimeout"] = "00:30:00", ["Latchkey:ConsoleSessionLifetime"] = "01:00:00" });
        using var console = await ConsoleClient.SignInAsync(app);

        foreach (var _ in Enumerable.Range(0, 2))
        {
            app.Time.Advance(TimeSpan.FromMinutes(29));
            await console.GetAsync("/tokens");
            Assert.Equal("/tokens", console.Location?.AbsolutePath);
        }

        app.Time.Advance(TimeSpan.FromMinutes(2));
        await console.GetAsync("/tokens");
        Assert.Equal("/signin", console.Location?.AbsolutePath);
    }

    [Fact]
    public async Task A_session_lasts_twelve_hours_at_most_unless_configured()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:ConsoleIdleTimeout"] = "1.00:00:00" });
        using var console = await ConsoleClient.SignInAsync(app);
        var session = Assert.Single(await app.WithStoreAsync(db => Task.FromResult(db.ConsoleSessions.ToList())));
        Assert.Equal(app.Time.GetUtcNow() + TimeSpan.FromHours(12), session.ExpiresAt);

        app.Time.Advance(TimeSpan.FromHours(12) - TimeSpan.FromSeconds(1));
        await console.GetAsync("/tokens");
        Assert.Equal("/tokens", console.Location?.AbsolutePath);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await console.GetAsync("/tokens");
        Assert.Equal("/signin", console.Location?.AbsolutePath);
    }

    [Fact]
    public async Task Changing_the_password_ends_the_other_sessions_of_that_user_and_keeps_this_one()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddUserAsync(Member);
        using var laptop = await ConsoleClient.SignInAsync(app, Member, MemberPassword);
        using var stolen = await ConsoleClient.SignInAsync(app, Member, MemberPassword);
        using var admin = await ConsoleClient.SignInAsync(app);

        await laptop.SubmitAsync("/account/password", new() { ["current"] = MemberPassword, ["password"] = "a brand new passphrase", ["confirmation"] = "a brand new passphrase" });

        Assert.Contains("Your password was changed", laptop.Html, StringComparison.Ordinal);
        await laptop.GetAsync("/tokens");
        Assert.Equal("/tokens", laptop.Location?.AbsolutePath);
        await stolen.GetAsync("/tokens");
        Assert.Equal("/signin", stolen.Location?.AbsolutePath);
        await admin.GetAsync("/tokens");
        Assert.Equal("/tokens", admin.Location?.AbsolutePath);
        using (var old = new ConsoleClient(app))
        {
            await old.SubmitAsync("/signin", new() { ["email"] = Member, ["password"] = MemberPassword });
            Assert.Contains("The email or password is not right", old.Html, StringComparison.Ordinal);
        }

        using var renewed = await ConsoleClient.SignInAsync(app, Member, "a brand new passphrase");
        var changed = Assert.Single(await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Where(e => e.Action == "user.password.change").ToList())));
        Assert.Equal((Member, "success"), (changed.TargetId, changed.Outcome));
        Assert.Contains("ended 1 other console session", changed.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wrong current password", "not the right one", "a brand new passphrase", "a brand new passphrase", "current")]
    [InlineData("too short", MemberPassword, "short", "short", "password")]
    [InlineData("confirmation differs", MemberPassword, "a brand new passphrase", "a brand new passphrasf", "confirmation")]
    public async Task A_refused_password_change_says_why_and_changes_nothing(string @case, string current, string password, string confirmation, string field)
    {
        await using var app = await TestApp.StartAsync();
        await app.AddUserAsync(Member);
        using var console = await ConsoleClient.SignInAsync(app, Member, MemberPassword);
        using var other = await ConsoleClient.SignInAsync(app, Member, MemberPassword);

        await console.SubmitAsync("/account/password", new() { ["current"] = current, ["password"] = password, ["confirmation"] = confirmation });

        Assert.True(console.Html.Contains($"id=\"{field}-error\"", StringComparison.Ordinal), $"{@case}: no error for {field}:\n{console.Html}");
        Assert.Equal("/account/password", console.Location?.AbsolutePath);
        await other.GetAsync("/tokens");
        Assert.Equal("/tokens", other.Location?.AbsolutePath);
        using var again = await ConsoleClient.SignInAsync(app, Member, MemberPassword);
        Assert.Empty(await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Where(e => e.Action == "user.password.change" && e.Outcome == "success").ToList())));
    }

    [Fact]
    public async Task Disabling_a_member_ends_their_sessions_for_good_so_enabling_them_again_does_not_bring_old_cookies_back()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddUserAsync(Member);
        using var member = await ConsoleClient.SignInAsync(app, Member, MemberPassword);
        using var copy = new ConsoleClient(app);
        copy.Cookies.Add(member.Cookies.GetCookies(app.BaseAddress));
        using var admin = app.Client(await app.LoginAsync());
        var memberId = await app.WithStoreAsync(db => Task.FromResult(db.Users.Single(u => u.Email == Member).Id));

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/users/{memberId}/disable", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/users/{memberId}/enable", null)).StatusCode);

        await copy.GetAsync("/tokens");
        Assert.Equal("/signin", copy.Location?.AbsolutePath);
        var session = Assert.Single(await app.WithStoreAsync(db => Task.FromResult(db.ConsoleSessions.Where(s => s.UserId == memberId).ToList())));
        Assert.Equal("account disabled", session.EndReason);
        Assert.Contains("ended 1 console session", Assert.Single(await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Where(e => e.Action == "user.disable").ToList()))).Detail, StringComparison.Ordinal);
        using var again = await ConsoleClient.SignInAsync(app, Member, MemberPassword);
    }

    [Fact]
    public async Task Failed_sign_ins_are_audited_and_limited_per_address_together_with_the_api_login()
    {
        await using var app = await TestApp.StartAsync(new() { ["Latchkey:LoginAttemptsPerMinute"] = "3" });
        using var console = new ConsoleClient(app);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            Assert.Equal(HttpStatusCode.OK, (await console.SubmitAsync("/signin", new() { ["email"] = TestApp.AdminEmail, ["password"] = "wrong" })).StatusCode);
            Assert.Contains("The email or password is not right", console.Html, StringComparison.Ordinal);
        }

        using var api = app.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.PostAsync("/api/v1/login",
            new StringContent($$"""{"email":"{{TestApp.AdminEmail}}","password":"wrong"}""", System.Text.Encoding.UTF8, "application/json"))).StatusCode);

        // Viewing the page is not an attempt; sending the form is, and the fourth is refused with a page.
        var refused = await console.SubmitAsync("/signin", new() { ["email"] = TestApp.AdminEmail, ["password"] = TestApp.AdminPassword });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("Too many sign-in attempts", console.Html, StringComparison.Ordinal);

        var audit = await app.WithStoreAsync(db => Task.FromResult(db.AuditEvents.Where(e => e.Action == "login").ToList()));
        Assert.Equal(3, audit.Count(e => e.Outcome == "failure" && e.TargetId == TestApp.AdminEmail && e.Detail == "wrong email or password"));
        Assert.DoesNotContain(audit, e => e.Outcome == "success");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Session_cookies_are_http_only_same_site_strict_and_secure_whenever_the_request_is_https(bool https)
    {
        await using var app = await TestApp.StartAsync(https: https);
        using var console = new ConsoleClient(app);
        var page = await console.GetAsync("/signin");
        var form = new Dictionary<string, string>
        {
            ["email"] = TestApp.AdminEmail, ["password"] = TestApp.AdminPassword, ["__RequestVerificationToken"] = console.AntiforgeryToken(),
        };
        using var signIn = await app.Client().SendAsync(new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent(form),
            Headers = { { "Cookie", console.Cookies.GetCookieHeader(app.BaseAddress) } },
        });

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var cookies = page.Headers.GetValues("Set-Cookie").Concat(signIn.Headers.GetValues("Set-Cookie")).ToList();
        Assert.Contains(cookies, c => c.StartsWith("latchkey-console=", StringComparison.Ordinal));
        Assert.Contains(cookies, c => c.StartsWith("latchkey-antiforgery=", StringComparison.Ordinal));
        foreach (var cookie in cookies)
        {
            var attributes = cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
            Assert.Contains("httponly", attributes);
            Assert.Contains("samesite=strict", attributes);
            Assert.Equal(https, attributes.Contains("secure"));
            // A session cookie: it ends with the browser, and the server ends it sooner when idle.
            Assert.DoesNotContain(attributes, a => a.StartsWith("expires=", StringComparison.Ordinal) || a.StartsWith("max-age=", StringComparison.Ordinal));
        }
    }
}
