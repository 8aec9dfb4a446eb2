using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.ClusterAuth;

/// <summary>A real Kubernetes client speaks to the webhook with the generated webhook config, over HTTPS.</summary>
public class KubectlWebhookTests
{
    [Fact]
    public async Task Kubectl_with_the_generated_webhook_config_gets_token_reviews_answered()
    {
        var kubectl = Requires.Program("kubectl");
        await using var app = await TestApp.StartAsync(https: true);
        using var admin = app.Client(await app.LoginAsync());
        Assert.True((await admin.PostAsJsonAsync("/api/v1/clusters", new CreateClusterRequest("prod-1", "https://prod-1.example.test:6443"))).IsSuccessStatusCode);
        var config = await Api.ReadAsync<WebhookConfig>(await admin.GetAsync("/api/v1/clusters/prod-1/webhook-config"));
        Assert.Contains("certificate-authority-data:", config.AuthenticationConfig, StringComparison.Ordinal);
        Assert.Contains("--authentication-token-webhook-version=v1", config.ApiServerFlags);

        await app.AddUserAsync("dev@example.test");
        await app.GrantAsync("dev@example.test", Roles.ClusterViewer, "prod-1");
        var token = await app.CreateTokenAsync(await app.LoginAsync("dev@example.test", "pw-dev@example.test"), new CreateTokenRequest("kubectl"));

        var folder = Directory.CreateTempSubdirectory("latchkey-kubectl-").FullName;
        try
        {
            var configFile = Path.Combine(folder, "webhook.yaml");
            await File.WriteAllTextAsync(configFile, config.AuthenticationConfig);
            var good = await ReviewAsync(kubectl, configFile, folder, token.Secret);
            Assert.True(good.GetProperty("authenticated").GetBoolean());
            Assert.Equal("dev@example.test", good.GetProperty("user").GetProperty("username").GetString());

            using (var owner = app.Client(token.Secret))
            {
                await owner.DeleteAsync($"/api/v1/tokens/{token.Id}");
            }

            var revoked = await ReviewAsync(kubectl, configFile, folder, token.Secret);
            Assert.False(revoked.GetProperty("authenticated").GetBoolean());
            Assert.Equal("token revoked", revoked.GetProperty("error").GetString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<JsonElement> ReviewAsync(string kubectl, string configFile, string folder, string token)
    {
        var reviewFile = Path.Combine(folder, "review.json");
        await File.WriteAllTextAsync(reviewFile, TokenReviewTests.Review(token));
        var run = new ProcessStartInfo(kubectl, ["create", "--raw", "/apis/authentication.k8s.io/v1/tokenreviews", "-f", reviewFile, "--kubeconfig", configFile])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(run)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        File.Delete(reviewFile);
        Assert.True(process.ExitCode == 0, $"kubectl exited {process.ExitCode}: {errors}");
        return JsonDocument.Parse(output).RootElement.GetProperty("status");
    }
}
