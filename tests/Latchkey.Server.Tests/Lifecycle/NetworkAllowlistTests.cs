using System.Net;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests.Lifecycle;

public class NetworkAllowlistTests
{
    private const string Inside = "10.1.2.3";
    private const string Outside = "192.0.2.7";

    [Fact]
    public async Task A_limited_token_works_from_its_networks_and_is_refused_and_audited_elsewhere_at_every_door()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var doors = await Doors.OpenAsync(app);
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("office only", AllowedCidrs: ["10.0.0.0/8", "2001:db8::/32"]));

        Assert.Equal(HttpStatusCode.OK, await doors.ApiAsync(token.Secret, Inside));
        Assert.Equal(HttpStatusCode.OK, await doors.ApiAsync(token.Secret, "2001:db8::17"));
        Assert.Equal((true, null), await doors.TokenReviewAsync(token.Secret, Inside));
        Assert.Equal(HttpStatusCode.OK, await doors.ForwardAuthAsync(token.Secret, Inside));
        Assert.Equal(HttpStatusCode.Created, (await doors.KubeconfigAsync(token.Secret, Inside)).StatusCode);
        var credential = await Api.ReadAsync<ClusterToken>(await doors.CredentialAsync(token.Secret, Inside));
        var before = await app.WithStoreAsync(db => db.AccessTokens.CountAsync());

        var api = await ApiAnswerAsync(app, token.Secret, Outside);
        var problem = await Api.AssertProblemAsync(api, HttpStatusCode.Forbidden);
        Assert.Contains(Outside, problem.GetProperty("detail").GetString()!, StringComparison.Ordinal);
        Assert.DoesNotContain("10.0.0.0", problem.GetProperty("detail").GetString()!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, await doors.ApiAsync(token.Secret));
        Assert.Equal((false, "token not allowed from this network address"), await doors.TokenReviewAsync(token.Secret, Outside));
        Assert.Equal(HttpStatusCode.Forbidden, await doors.ForwardAuthAsync(token.Secret, Outside));
        await Api.AssertProblemAsync(await doors.KubeconfigAsync(token.Secret, Outside), HttpStatusCode.Forbidden);
        await Api.AssertProblemAsync(await doors.CredentialAsync(token.Secret, Outside), HttpStatusCode.Forbidden);
        Assert.Equal(before, await app.WithStoreAsync(db => db.AccessTokens.CountAsync()));

        // A short-lived credential is held to the networks of the token that asked for it (at the one door it works at).
        Assert.True((await doors.TokenReviewAsync(credential.Token, Inside)).Item1);
        Assert.Equal((false, "token not allowed from this network address"), await doors.TokenReviewAsync(credential.Token, Outside));

        await Doors.FlushAuditAsync(app);
        var denied = await app.WithStoreAsync(db => db.AuditEvents.Where(e => e.Action == "token.denied-network").ToListAsync());
        Assert.Equal(7, denied.Count);
        Assert.Equal(6, denied.Count(e => e.TargetId == token.Id));
        Assert.Equal(5, denied.Count(e => e.SourceAddress == Outside && e.TargetId == token.Id));
        Assert.Contains(denied, e => e.TargetId == credential.TokenId);
    }

    [Fact]
    public async Task Allowlists_are_kept_in_canonical_form_without_duplicates()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var created = await app.CreateTokenAsync(await app.LoginAsync(),
            new CreateTokenRequest("tidy", AllowedCidrs: ["10.0.0.0/8", " 10.0.0.0/8", "2001:DB8:0::/32", "0.0.0.0/0"]));

        Assert.Equal(["10.0.0.0/8", "2001:db8::/32", "0.0.0.0/0"], created.AllowedCidrs);
        Assert.Equal("10.0.0.0/8,2001:db8::/32,0.0.0.0/0", await app.WithStoreAsync(db => db.AccessTokens.Where(t => t.Id == created.Id).Select(t => t.AllowedCidrs).SingleAsync()));
    }

    public static TheoryData<string[], string> BadLists => new()
    {
        { ["10.0.0.1/8"], "Did you mean 10.0.0.0/8?" },
        { ["2001:db8::1/32"], "Did you mean 2001:db8::/32?" },
        { ["10.0.0.7"], "write 10.0.0.7/32" },
        { ["2001:db8::7"], "write 2001:db8::7/128" },
        { ["10.0.0.0/33"], "CIDR notation" },
        { ["not-a-network"], "CIDR notation" },
        { [""], "CIDR notation" },
        { ["10.0.0.0/8", "10.0.0.0/-1"], "CIDR notation" },
        { [.. Enumerable.Range(1, 21).Select(i => $"10.{i}.0.0/16")], "at most 20" },
    };

    [Theory]
    [MemberData(nameof(BadLists))]
    public async Task A_bad_allowlist_is_a_400_that_says_what_to_write_and_creates_nothing(string[] cidrs, string mentions)
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        using var client = app.Client(await app.LoginAsync());
        var before = await app.WithStoreAsync(db => db.AccessTokens.CountAsync());

        var problem = await Api.AssertProblemAsync(await client.PostAsJsonAsync("/api/v1/tokens", new CreateTokenRequest("bad", AllowedCidrs: cidrs)), HttpStatusCode.BadRequest);

        Assert.Contains(mentions, problem.GetProperty("detail").GetString()!, StringComparison.Ordinal);
        Assert.True(problem.GetProperty("errors").TryGetProperty("allowedCidrs", out _));
        Assert.Equal(before, await app.WithStoreAsync(db => db.AccessTokens.CountAsync()));
    }

    [Fact]
    public void An_IPv4_client_on_a_dual_stack_socket_matches_its_IPv4_network_and_no_address_matches_nothing()
    {
        var networks = TokenNetworks.Parse("10.0.0.0/8")!;

        Assert.True(TokenNetworks.Allows(networks, IPAddress.Parse("::ffff:10.9.9.9")));
        Assert.False(TokenNetworks.Allows(networks, IPAddress.Parse("::ffff:192.0.2.1")));
        Assert.False(TokenNetworks.Allows(networks, null));
    }

    private static async Task<HttpResponseMessage> ApiAnswerAsync(TestApp app, string secret, string from)
    {
        using var client = app.Client(secret);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", from);
        return await client.GetAsync("/api/v1/whoami");
    }
}
