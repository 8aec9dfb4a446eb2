using System.Net;
using System.Net.Http.Json;
using System.Text;
using Latchkey.Core.Contracts;
using Latchkey.Server.Http;
using Latchkey.Server.Identity;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Security;

/// <summary>Repros of what an attacker sent, each refused now: forged addresses, odd network forms, tokens hidden in URLs, oversized or ambiguous reviews, timing.</summary>
public class HardeningTests
{
    [Fact]
    public async Task X_Forwarded_For_is_not_believed_from_loopback_unless_it_is_a_trusted_proxy()
    {
        await using var app = await TestApp.StartAsync();
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("office only", AllowedCidrs: ["10.9.9.0/24"]));
        using var forged = app.Client(token.Secret);
        forged.DefaultRequestHeaders.Add("X-Forwarded-For", "10.9.9.9");

        // The client is on loopback, outside the allowlist, whatever it claims.
        await Api.AssertProblemAsync(await forged.GetAsync("/api/v1/whoami"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Forbidden, (await forged.GetAsync("/auth/verify")).StatusCode);

        await using var behindProxy = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var proxied = await behindProxy.CreateTokenAsync(await behindProxy.LoginAsync(), new CreateTokenRequest("office only", AllowedCidrs: ["10.9.9.0/24"]));
        using var viaProxy = behindProxy.Client(proxied.Secret);
        viaProxy.DefaultRequestHeaders.Add("X-Forwarded-For", "10.9.9.9");
        Assert.Equal(HttpStatusCode.OK, (await viaProxy.GetAsync("/api/v1/whoami")).StatusCode);
    }

    [Fact]
    public async Task A_trusted_proxy_that_is_not_an_address_stops_the_server_from_starting_with_the_reason()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestApp.StartAsync(new() { ["Latchkey:TrustedProxies:0"] = "010.0.0.1" }));
        Assert.Contains("TrustedProxies", failure.ToString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string?> Networks => new()
    {
        // written, canonical form (null: refused)
        { "10.0.0.0/8", "10.0.0.0/8" },
        { "0.0.0.0/0", "0.0.0.0/0" },
        { "2001:DB8::/32", "2001:db8::/32" },
        { "::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104" },
        { "010.000.000.000/8", null },
        { "0x0a.0.0.0/8", null },
        { "167772160/8", null },
        { "10.1/16", null },
        { "10.0.0.0/08", null },
        { "10.0.0.0/+8", null },
        { "10.0.0.0/ 8", null },
        { "10.0.0.256/32", null },
        { "fe80::1%eth0/64", null },
        { "fe80::%2/64", null },
        { "[2001:db8::]/32", null },
        { "2001:db8::/129", null },
        { "10.0.0.1/8", null },
        { "::ffff:010.0.0.0/104", null },
        // Found by the network fuzzer: int.TryParse takes trailing NULs after the prefix length.
        { "10.0.0.0/8\0", null },
        { "10.0.0.0/\u0668", null },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public async Task One_strict_parser_reads_networks_for_token_allowlists_and_vpcs(string written, string? canonical)
    {
        Assert.Equal(canonical, NetworkAddresses.TryParseNetwork(written, out var network, out var error) ? network.ToString() : null);
        Assert.True(canonical is not null || !string.IsNullOrEmpty(error));

        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        var token = await admin.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("t", AllowedCidrs: [written]));
        var vpc = await admin.PostAsJsonAsync("/api/v1/vpcs", new CreateVpcRequest("net", "eu-1", written));
        if (canonical is null)
        {
            await Api.AssertProblemAsync(token, HttpStatusCode.BadRequest);
            await Api.AssertProblemAsync(vpc, HttpStatusCode.BadRequest);
            return;
        }

        // The API trims what people paste; the parser itself does not.
        Assert.Equal([canonical], (await Api.ReadAsync<CreatedToken>(token)).AllowedCidrs);
        Assert.Equal(canonical, (await Api.ReadAsync<VpcInfo>(vpc)).Cidr);
    }

    [Theory]
    [InlineData("/api/v1/whoami?t=%6Ck_{0}")]
    [InlineData("/api/v1/whoami?t=%6ck_{0}")]
    [InlineData("/api/v1/whoami?t=%256Ck_{0}")]
    [InlineData("/api/v1/whoami?t=%6C%6B%5F{0}")]
    [InlineData("/api/v1/whoami?glued=MY_lk_{0}")]
    [InlineData("/auth/verify?x=1&t=%25256Ck_{0}")]
    public async Task A_token_in_a_url_is_refused_however_it_is_encoded(string url)
    {
        await using var app = await TestApp.StartAsync();
        var secret = (await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("t"))).Secret;
        using var anonymous = app.Client();

        var response = await anonymous.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, url, secret[3..]));

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("never in a URL", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret[3..], await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Review_bodies_are_capped_and_duplicate_keys_refused()
    {
        await using var app = await TestApp.StartAsync();
        using var webhook = app.Client(await app.AddClusterAsync("prod-1"));
        var secret = (await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("t"))).Secret;
        var padding = new string(' ', 100 * 1024);

        var huge = await webhook.PostAsync("/apis/authentication.k8s.io/v1/tokenreviews",
            new StringContent($$$"""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview",{{{padding}}}"spec":{"token":"{{{secret}}}"}}""", Encoding.UTF8, "application/json"));
        await Api.AssertProblemAsync(huge, HttpStatusCode.RequestEntityTooLarge);

        using var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(
            $$$$"""{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview",{{{{padding}}}}"spec":{"user":"x","resourceAttributes":{"verb":"get"}}}""")));
        chunked.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await Api.AssertProblemAsync(await webhook.SendAsync(request), HttpStatusCode.RequestEntityTooLarge);

        var twice = await webhook.PostAsync("/apis/authentication.k8s.io/v1/tokenreviews",
            new StringContent($$$"""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"lk_garbage","token":"{{{secret}}}"}}""", Encoding.UTF8, "application/json"));
        await Api.AssertProblemAsync(twice, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Every_failed_sign_in_costs_one_password_hash_whatever_the_account()
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());
        Assert.True((await admin.PostAsJsonAsync("/api/v1/users", new InviteMemberRequest("pending@example.test"))).IsSuccessStatusCode);
        await app.AddUserAsync("active@example.test");
        var hashes = app.Services.GetRequiredService<PasswordCheck>();
        using var anonymous = app.Client();

        foreach (var email in new[] { "pending@example.test", "nobody@example.test", "active@example.test" })
        {
            var before = hashes.HashesVerified;
            var response = await anonymous.PostAsJsonAsync("/api/v1/login", new LoginRequest(email, "not-the-password"));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.True(hashes.HashesVerified == before + 1, email);
        }
    }

    [Theory]
    [InlineData("name", "ci\u202Egpj.exe")]
    [InlineData("name", "ad\u200Bmin")]
    [InlineData("name", "\uFEFFdeploy")]
    [InlineData("note", "harmless \u2066hidden\u2069")]
    public async Task Token_names_and_notes_refuse_direction_overrides_and_invisible_characters(string field, string text)
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());

        var response = await admin.PostAsJsonAsync("/api/v1/tokens", field == "name" ? new CreateTokenRequest(text) : new CreateTokenRequest("ok", text));

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("invisible", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await app.WithStoreAsync(db => Task.FromResult(db.AccessTokens.Count(t => t.Name == text || t.Note == text))));
    }

    [Theory]
    [InlineData("dev\u202E@example.test")]
    [InlineData("dev\u200D@example.test")]
    public async Task Invited_e_mails_refuse_direction_overrides_and_invisible_characters(string email)
    {
        await using var app = await TestApp.StartAsync();
        using var admin = app.Client(await app.LoginAsync());

        await Api.AssertProblemAsync(await admin.PostAsJsonAsync("/api/v1/users", new InviteMemberRequest(email)), HttpStatusCode.BadRequest);
        Assert.Equal(0, await app.WithStoreAsync(db => Task.FromResult(db.Users.Count(u => u.Email == email))));
    }

    [Theory]
    [InlineData("aaaaaaaaaaaa")]
    [InlineData("abcabcabcabc")]
    [InlineData("short")]
    [InlineData("admin@example.test")]
    public void The_password_policy_refuses_what_is_trivially_guessed(string password) =>
        Assert.NotNull(PasswordPolicy.Problem(password, "admin@example.test"));

    [Fact]
    public async Task A_weak_first_admin_password_stops_the_start_with_the_reason()
    {
        var failure = await Assert.ThrowsAsync<Latchkey.Server.Data.StartupRefusedException>(
            () => TestApp.StartAsync(new() { ["Latchkey:Bootstrap:AdminPassword"] = "aaaaaaaaaaaa" }));
        Assert.Contains("too easy to guess", failure.Message, StringComparison.Ordinal);
    }
}
