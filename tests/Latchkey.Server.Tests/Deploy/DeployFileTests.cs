using System.Diagnostics;
using k8s;
using k8s.Models;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Deploy;

/// <summary>The deployment files, checked offline: every field known to the Kubernetes models, and systemd's own verifier.</summary>
public class DeployFileTests
{
    private static string Asset(string name) => Path.Combine(AppContext.BaseDirectory, "Assets", "deploy", name);

    [Fact]
    public async Task Kubernetes_manifests_are_valid_objects_with_probes_on_the_servers_health_endpoints()
    {
        // strict: a misspelled or misplaced field is an error, as the API server's validation would make it.
        var objects = KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(Asset("latchkey.yaml")), strict: true);

        Assert.Equal(["Namespace", "Secret", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy"],
            objects.Select(o => ((IKubernetesObject)o).Kind));
        var deployment = objects.OfType<V1Deployment>().Single();
        var container = deployment.Spec.Template.Spec.Containers.Single();
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/healthz", container.LivenessProbe.HttpGet.Path);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        var budget = objects.OfType<V1PodDisruptionBudget>().Single();
        Assert.True(budget.Spec.MinAvailable.Value is { } min && int.Parse(min, System.Globalization.CultureInfo.InvariantCulture) < deployment.Spec.Replicas);

        // The Secret's keys are configuration keys the server reads (environment form).
        var secret = objects.OfType<V1Secret>().Single();
        Assert.All(secret.StringData.Keys, key => Assert.StartsWith("Latchkey__", key, StringComparison.Ordinal));
        Assert.Contains("Latchkey__Database__Provider", secret.StringData.Keys);
    }

    [Fact]
    public async Task Systemd_unit_passes_systemd_analyze_verify()
    {
        var analyze = Requires.Program("systemd-analyze");
        var folder = Directory.CreateTempSubdirectory("latchkey-unit-").FullName;
        try
        {
            // The program is not installed here: point the unit at one that exists, change nothing else.
            var unit = Path.Combine(folder, "latchkey.service");
            var text = (await File.ReadAllTextAsync(Asset("latchkey.service"))).Replace("ExecStart=/opt/latchkey/latchkey-server", "ExecStart=/bin/true", StringComparison.Ordinal);
            Assert.Contains("ExecStart=/bin/true", text, StringComparison.Ordinal);
            await File.WriteAllTextAsync(unit, text);

            using var process = Process.Start(new ProcessStartInfo(analyze, ["verify", unit]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0 && !output.Contains("latchkey.service:", StringComparison.Ordinal), output);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
