using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Latchkey.Cli.Tests.Infrastructure;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Commands;

public class ClusterWiringCommandTests
{
    [Fact]
    public async Task Webhook_config_writes_both_files_0600_with_a_working_credential_and_prints_the_flags()
    {
        await using var app = await TestApp.StartAsync();
        await Clusters.AddAsync(app, "prod-1");
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        var outDir = Path.Combine(cli.Home, "wiring");

        var result = await cli.RunAsync("clusters", "webhook-config", "prod-1", "--out-dir", outDir);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("--authentication-token-webhook-config-file=", result.Out, StringComparison.Ordinal);
        var authn = Path.Combine(outDir, "latchkey-authn-webhook.yaml");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(authn));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(outDir, "latchkey-authz-webhook.yaml")));
        var credential = (await File.ReadAllLinesAsync(authn)).Single(l => l.TrimStart().StartsWith("token: ", StringComparison.Ordinal)).Trim()[7..];
        Assert.DoesNotContain(credential, result.Out, StringComparison.Ordinal);

        // The file's credential is what the cluster's API server will present.
        using var apiServer = app.Client(credential);
        var review = await apiServer.PostAsync("/apis/authentication.k8s.io/v1/tokenreviews", new StringContent(
            """{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"lk_notatoken"}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.OK, review.StatusCode);
    }

    [Fact]
    public async Task Rbac_prints_bindings_for_both_role_groups_and_members_without_access_get_a_clear_error()
    {
        await using var app = await TestApp.StartAsync();
        await Clusters.AddAsync(app, "prod-1");
        using var cli = new CliHarness(app);
        await cli.LoginAsync();

        var rbac = await cli.RunAsync("clusters", "rbac", "prod-1");
        Assert.True(rbac.ExitCode == 0, rbac.ToString());
        Assert.Contains("name: latchkey:cluster-admin", rbac.Out, StringComparison.Ordinal);
        Assert.Contains("name: latchkey:cluster-viewer", rbac.Out, StringComparison.Ordinal);

        await app.AddUserAsync("m@example.test");
        using var member = new CliHarness(app);
        await member.LoginAsync("m@example.test", "pw-m@example.test");
        var refused = await member.RunAsync("clusters", "webhook-config", "prod-1");
        Assert.Equal(1, refused.ExitCode);
        Assert.DoesNotContain("   at ", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credentials_list_shows_each_webhook_credential_and_revoke_asks_first_then_ends_it_at_the_next_review()
    {
        await using var app = await TestApp.StartAsync();
        await Clusters.AddAsync(app, "prod-1");
        using var cli = new CliHarness(app);
        await cli.LoginAsync();
        var wiring = await cli.RunAsync("clusters", "webhook-config", "prod-1");
        var credential = Regex.Match(wiring.Out, @"token: (lk_\w+)").Groups[1].Value;
        using var apiServer = app.Client(credential);
        Assert.Equal(HttpStatusCode.OK, await ReviewAsync(apiServer));
        await cli.RunAsync("clusters", "webhook-config", "prod-1");

        var table = await cli.RunAsync("clusters", "credentials", "list", "prod-1");
        var json = await cli.RunAsync("clusters", "credentials", "list", "prod-1", "-o", "json");

        Assert.True(table.ExitCode == 0, table.ToString());
        var lines = table.Out.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^ID\s+CREATED\s+CREATED BY\s+EXPIRES\s+LAST USED\s+STATUS$", lines[0]);
        Assert.Equal(3, lines.Length);
        var listed = JsonDocument.Parse(json.Out).RootElement.EnumerateArray().ToList();
        var id = listed[0].GetProperty("id").GetString()!;
        Assert.Matches($@"^{id}\s+2026-11-28 12:00\s+{Regex.Escape(TestApp.AdminEmail)}\s+2027-11-28 12:00\s+2026-11-28 12:00\s+active$", lines[1]);
        Assert.Matches(@"\s2027-11-28 12:00\s+never\s+active$", lines[2]);
        Assert.Equal("active", listed[1].GetProperty("status").GetString());
        Assert.DoesNotContain(credential, table.Out + json.Out, StringComparison.Ordinal);

        var unconfirmed = await cli.RunAsync("clusters", "credentials", "revoke", "prod-1", id);
        Assert.Equal(2, unconfirmed.ExitCode);
        Assert.Contains("add --yes to revoke", unconfirmed.Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await ReviewAsync(apiServer));

        var revoked = await cli.RunAsync("clusters", "credentials", "revoke", "prod-1", id, "--yes");

        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        Assert.Equal($"Revoked webhook credential {id} of cluster prod-1.\n", revoked.Out);
        Assert.Equal(HttpStatusCode.Unauthorized, await ReviewAsync(apiServer));
        Assert.EndsWith("revoked", (await cli.RunAsync("clusters", "credentials", "list", "prod-1")).Out.Split('\n')[1], StringComparison.Ordinal);
        var unknown = await cli.RunAsync("clusters", "credentials", "revoke", "prod-1", Guid.CreateVersion7().ToString(), "--yes");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("has no webhook credential", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(2, (await cli.RunAsync("clusters", "credentials", "revoke", "prod-1", "not-an-id", "--yes")).ExitCode);
    }

    private static async Task<HttpStatusCode> ReviewAsync(HttpClient apiServer)
    {
        using var response = await apiServer.PostAsync("/apis/authentication.k8s.io/v1/tokenreviews", new StringContent(
            """{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"lk_notatoken"}}""", Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }
}
