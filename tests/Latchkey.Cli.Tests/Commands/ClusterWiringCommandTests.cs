using System.Text;
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
}
