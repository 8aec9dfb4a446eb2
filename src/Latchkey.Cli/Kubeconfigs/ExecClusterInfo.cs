using System.Text.Json;
using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Cli.Kubeconfigs;

/// <summary>
/// The cluster kubectl is about to call, as it tells an exec plugin in <c>KUBERNETES_EXEC_INFO</c>
/// (an ExecCredential whose <c>spec.cluster</c> is set when the entry has <c>provideClusterInfo: true</c>).
/// </summary>
internal static class ExecClusterInfo
{
    public const string Variable = "KUBERNETES_EXEC_INFO";

    /// <summary>The server kubectl will send the credential to, or null when kubectl did not say.</summary>
    public static string? Server(CliEnvironment env)
    {
        if (env[Variable] is not { Length: > 0 } text)
        {
            return null;
        }

        try
        {
            using var info = JsonDocument.Parse(text);
            return info.RootElement.ValueKind == JsonValueKind.Object
                && info.RootElement.TryGetProperty("spec", out var spec) && spec.ValueKind == JsonValueKind.Object
                && spec.TryGetProperty("cluster", out var cluster) && cluster.ValueKind == JsonValueKind.Object
                && cluster.TryGetProperty("server", out var server) && server.ValueKind == JsonValueKind.String
                ? server.GetString()
                : null;
        }
        catch (JsonException)
        {
            throw new CliException($"{Variable} is not the JSON kubectl passes to exec plugins; no credential was given out.");
        }
    }

    /// <summary>Refuses when kubectl would send the credential to a server other than the one Latchkey registered for the cluster.</summary>
    public static void Check(string? calling, string cluster, string registered)
    {
        if (calling is not null && !ClusterServer.Same(calling, registered))
        {
            throw new CliException(
                $"kubectl is about to call {calling} for cluster {cluster}, but Latchkey registered {registered} for it; no credential was given out. "
                + "A kubeconfig entry points this cluster's user at another server: 'latchkey kubeconfig check' finds it.");
        }
    }
}
