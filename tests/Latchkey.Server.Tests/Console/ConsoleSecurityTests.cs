using System.Net;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Console;

/// <summary>The console's security properties, over plain HTTP as a browser without script would speak it.</summary>
public class ConsoleSecurityTests
{
    private const string Member = "dev@example.test";
    private const string MemberPassword = "pw-" + Member;

    [Fact]
    public async Task Forms_posted_without_the_antiforgery_token_are_rejected_and_change_nothing()
    {
        await using var app = await TestApp.StartAsync();
        using var anonymous = new ConsoleClient(app);
        await anonymous.GetAsync("/signin");
        var signIn = await anonymous.PostAsync("/signin", new() { ["email"] = TestApp.AdminEmail, ["password"] = TestApp.AdminPassword });
        Assert.Equal(HttpStatusCode.BadRequest, signIn.StatusCode);
        Assert.Contains("The form could not be accepted", anonymous.Html, StringComparison.Ordinal);
        Assert.Null(anonymous.Cookies.GetAllCookies().FirstOrDefault(c => c.Name == "latchkey-console"));

        using var console = await ConsoleClient.SignInAsync(app);
        await console.GetAsync("/tokens/new");
        var nonce = console.Field("nonce");
        var create = await console.PostAsync("/tokens/new", new() { ["name"] = "forged", ["expiration"] = "7", ["nonce"] = nonce });
        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        var forged = await console.PostAsync("/tokens/new", new()
        {
            ["name"] = "forged", ["expiration"] = "7", ["nonce"] = nonce, ["__RequestVerificationToken"] = "CfDJ8-not-a-real-token",
        });
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(0, await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Count(t => t.Name == "forged"))));
    }

    [Fact]
    public async Task A_member_cannot_reach_admin_pages_and_sees_no_links_to_them()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddClusterAsync("prod-1");
        var otherToken = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("admin's"));
        await app.AddUserAsync(Member);
        await app.GrantAsync(Member, Roles.ClusterViewer, "prod-1");
        using var member = await ConsoleClient.SignInAsync(app, Member, MemberPassword);

        foreach (var link in new[] { "href=\"/audit\"", "href=\"/settings\"", "href=\"/clusters/add\"", "name=\"owner\"" })
        {
            await member.GetAsync("/tokens");
            Assert.DoesNotContain(link, member.Html, StringComparison.Ordinal);
            await member.GetAsync("/clusters");
            Assert.DoesNotContain(link, member.Html, StringComparison.Ordinal);
        }

        foreach (var page in new[]
        {
            "/audit", "/settings", "/settings/invite", "/settings/groups", $"/settings/groups/{Guid.CreateVersion7()}", "/settings/policies", "/settings/vpcs",
            "/clusters/add", "/clusters/prod-1/remove", $"/tokens/{otherToken.Id}/delete",
        })
        {
            Assert.True((await member.GetAsync(page)).StatusCode == HttpStatusCode.NotFound, $"{page} answered {(int)member.Last!.StatusCode}");
            Assert.Contains("Not found", member.Html, StringComparison.Ordinal);
        }

        // Refused when posted too, with a valid antiforgery token from a page the member may see.
        await member.GetAsync("/clusters/prod-1");
        Assert.DoesNotContain("Issue webhook credential", member.Html, StringComparison.Ordinal);
        var token = member.AntiforgeryToken();
        Assert.Equal(HttpStatusCode.NotFound, (await member.PostAsync("/clusters/prod-1", new() { ["__RequestVerificationToken"] = token })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await member.PostAsync("/settings/invite", new() { ["email"] = "x@example.test", ["__RequestVerificationToken"] = token })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await member.PostAsync("/settings/groups", new() { ["name"] = "mine", ["__RequestVerificationToken"] = token })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await member.PostAsync("/settings/vpcs", new() { ["Vpc.Name"] = "mine", ["Vpc.Zone"] = "eu-1", ["Vpc.Cidr"] = "10.0.0.0/8", ["__RequestVerificationToken"] = token })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await member.PostAsync("/settings/policies", new()
        {
            ["principal"] = $"user:{await app.WithStoreAsync(db => Task.FromResult(db.Users.Single(u => u.Email == Member).Id))}", ["grant"] = "role:org-admin", ["scope"] = "organization",
            ["__RequestVerificationToken"] = token,
        })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await member.PostAsync($"/tokens/{otherToken.Id}/delete", new() { ["__RequestVerificationToken"] = token })).StatusCode);
        await member.GetAsync("/tokens?owner=all");
        Assert.DoesNotContain(otherToken.Id, member.Html, StringComparison.Ordinal);

        Assert.Equal(0, await app.WithStoreAsync(db => Task.FromResult(db.ClusterCredentials.Count(c => c.CreatedByUserId != null && db.Users.Any(u => u.Id == c.CreatedByUserId && u.Email == Member)))));
        Assert.Equal(0, await app.WithStoreAsync(db => Task.FromResult(db.Users.Count(u => u.Email == "x@example.test"))));
        Assert.Equal(0, await app.WithStoreAsync(db => Task.FromResult(db.Groups.Count() + db.Vpcs.Count())));
        Assert.Equal(1, await app.WithStoreAsync(db => Task.FromResult(db.AccessPolicies.Count(p => p.Role == Roles.OrgAdmin))));
        using var admin = app.Client(otherToken.Secret);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/whoami")).StatusCode);
    }

    [Fact]
    public async Task Every_console_page_sends_the_security_headers_and_pages_with_tokens_are_not_stored()
    {
        await using var app = await TestApp.StartAsync();
        await app.AddClusterAsync("prod-1");
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("listed"));
        using var admin = await ConsoleClient.SignInAsync(app);
        string[] pages =
        [
            "/tokens", "/tokens?owner=all&status=active", "/tokens/new", $"/tokens/{token.Id}/delete", "/clusters", "/clusters/add",
            "/clusters/prod-1", "/clusters/prod-1/remove", "/audit", "/settings", "/settings/invite", "/settings/groups", "/settings/policies",
            "/settings/vpcs", "/signout", "/no-such-page",
            "/tokens/nothing/delete", "/static/console.css", "/static/console.js",
        ];
        foreach (var page in pages)
        {
            var response = await admin.GetAsync(page);
            SecurityHeaders.AssertPresent(page, name => Header(response, name));
            if (!page.StartsWith("/static/", StringComparison.Ordinal))
            {
                Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            }
        }

        using var anonymous = new ConsoleClient(app);
        foreach (var page in new[] { "/signin", "/invite/not-a-code", "/error/404" })
        {
            var response = await anonymous.GetAsync(page);
            SecurityHeaders.AssertPresent(page, name => Header(response, name));
        }

        var redirect = await app.Client().GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/signin", redirect.Headers.Location?.AbsolutePath);
        SecurityHeaders.AssertPresent("/", name => Header(redirect, name));
    }

    [Fact]
    public async Task The_create_form_sent_again_is_refused_and_mints_no_second_token()
    {
        await using var app = await TestApp.StartAsync();
        using var console = await ConsoleClient.SignInAsync(app);
        await console.GetAsync("/tokens/new");
        var form = new Dictionary<string, string>
        {
            ["name"] = "once", ["expiration"] = "30", ["nonce"] = console.Field("nonce"), ["__RequestVerificationToken"] = console.AntiforgeryToken(),
        };

        var first = await console.PostAsync("/tokens/new", new(form));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("no-store", first.Headers.CacheControl?.ToString());
        Assert.Matches(@"value=""lk_[0-9A-Za-z]{36}""", console.Html);

        var again = await console.PostAsync("/tokens/new", new(form));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("This form was already sent.", console.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("lk_", console.Html, StringComparison.Ordinal);
        Assert.Equal(1, await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Count(t => t.Name == "once"))));
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;
}
