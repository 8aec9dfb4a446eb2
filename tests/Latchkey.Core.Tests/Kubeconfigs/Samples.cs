using System.Text;
using Latchkey.Core.Contracts;

namespace Latchkey.Core.Tests.Kubeconfigs;

/// <summary>Clusters and a token used across the kubeconfig tests. The secret is a fake that no server ever issued.</summary>
internal static class Samples
{
    public const string FakeSecret = "lk_fake_test_token_not_a_secret";
    public const string TokenId = "0123456789abcdef";

    public static readonly string CaData = Convert.ToBase64String(Encoding.ASCII.GetBytes(
        "-----BEGIN CERTIFICATE-----\nFAKE-TEST-CA\n-----END CERTIFICATE-----\n"));

    public static ClusterInfo Cluster(string name = "prod-1", string server = "https://prod-1.k8s.eu-1.example.test:6443", string? ca = null, string ns = "team-a") =>
        new(name, "eu-1", server, ca ?? CaData, server, ns, new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    public static string Asset(string name) => Path.Combine(AppContext.BaseDirectory, "Assets", "Kubeconfigs", name);

    public static string ReadAsset(string name) => File.ReadAllText(Asset(name));
}

/// <summary>A fresh folder per test, removed afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("latchkey-kubeconfig-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
