using System.Net;
using System.Text.RegularExpressions;
using Latchkey.Core.Contracts;
using Latchkey.Server.Console;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests.Lifecycle;

/// <summary>The console's token page, rotation and allowed networks, over HTTP as a browser without script would use them.</summary>
public partial class ConsoleLifecycleTests
{
    [Fact]
    public async Task The_token_page_charts_uses_in_svg_without_inline_style_and_lists_the_networks_and_addresses()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var doors = await Doors.OpenAsync(app);
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("scraper", AllowedCidrs: ["10.0.0.0/8"]));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await doors.ForwardAuthAsync(token.Secret, "10.3.3.3"));
        }

        using var console = await ConsoleClient.SignInAsync(app);
        var response = await console.GetAsync($"/tokens/{token.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(ConsoleHeaders.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("<svg class=\"usage-chart\"", console.Html, StringComparison.Ordinal);
        Assert.Contains($"{app.Time.GetUtcNow():yyyy-MM-dd}: 0 api, 0 kubernetes, 4 forward-auth", console.Html, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(console.Html, "<rect x=[^>]*height=\"100\" fill=\"#b45309\""));
        Assert.DoesNotContain("style=", console.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script>", console.Html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("10.0.0.0/8", console.Html, StringComparison.Ordinal);
        Assert.Contains("10.3.3.3", console.Html, StringComparison.Ordinal);
        Assert.Contains($"href=\"/tokens/{token.Id}/rotate\"", console.Html, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Secret, console.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotate_reveals_the_new_secret_once_and_a_resent_form_rotates_nothing()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("laptop"));
        using var console = await ConsoleClient.SignInAsync(app);
        await console.GetAsync($"/tokens/{token.Id}/rotate");
        var form = new Dictionary<string, string>
        {
            ["grace"] = "3600", ["nonce"] = console.Field("nonce"), ["__RequestVerificationToken"] = console.AntiforgeryToken(),
        };

        var response = await console.PostAsync($"/tokens/{token.Id}/rotate", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Contains("Token rotated", console.Html, StringComparison.Ordinal);
        Assert.Contains("This secret is shown only once.", console.Html, StringComparison.Ordinal);
        Assert.Contains($"keeps working until {app.Time.GetUtcNow().AddHours(1):yyyy-MM-dd HH:mm} UTC", console.Html, StringComparison.Ordinal);
        var secret = SecretOnPage().Match(console.Html).Groups[1].Value;
        using (var renewed = app.Client(secret))
        {
            var me = await Api.ReadAsync<WhoAmI>(await renewed.GetAsync("/api/v1/whoami"));
            Assert.Equal("laptop", me.Token.Name);
        }

        // Reload or back re-sends the same form: its nonce is spent, so nothing is rotated and no secret is shown.
        var count = await app.WithStoreAsync(db => db.AccessTokens.CountAsync());
        var replayed = await console.PostAsync($"/tokens/{token.Id}/rotate", form);
        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Contains("This form was already sent.", console.Html, StringComparison.Ordinal);
        Assert.DoesNotMatch(SecretOnPage(), console.Html);
        Assert.Equal(count, await app.WithStoreAsync(db => db.AccessTokens.CountAsync()));
    }

    [Fact]
    public async Task Another_members_token_page_and_rotation_are_not_found()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var other = await app.CreateTokenAsync(await app.AddUserAsync("ops@example.test"), new CreateTokenRequest("ops"));
        await app.AddUserAsync("dev@example.test");
        using var member = await ConsoleClient.SignInAsync(app, "dev@example.test", "pw-dev@example.test");

        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync($"/tokens/{other.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync($"/tokens/{other.Id}/rotate")).StatusCode);
        Assert.Null(await app.WithStoreAsync(db => db.AccessTokens.Where(t => t.Id == other.Id).Select(t => t.ReplacedByTokenId).SingleAsync()));
    }

    [Fact]
    public async Task Create_Token_takes_allowed_networks_and_shows_a_bad_one_beside_its_field()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        using var console = await ConsoleClient.SignInAsync(app);

        await console.SubmitAsync("/tokens/new", new() { ["name"] = "office", ["expiration"] = "7", ["allowedCidrs"] = "10.0.0.1/8" });
        Assert.Contains("id=\"allowedCidrs-error\"", console.Html, StringComparison.Ordinal);
        Assert.Contains("Did you mean 10.0.0.0/8?", console.Html, StringComparison.Ordinal);

        await console.SubmitAsync("/tokens/new", new() { ["name"] = "office", ["expiration"] = "7", ["allowedCidrs"] = "10.0.0.0/8\r\n192.168.0.0/16" });
        Assert.Contains("Token created", console.Html, StringComparison.Ordinal);
        Assert.Equal("10.0.0.0/8,192.168.0.0/16", await app.WithStoreAsync(db => db.AccessTokens.Where(t => t.Name == "office").Select(t => t.AllowedCidrs).SingleAsync()));
    }

    [GeneratedRegex("id=\"token-secret\"[^>]*value=\"(lk_[0-9A-Za-z]+)\"")]
    private static partial Regex SecretOnPage();
}
