namespace Latchkey.Cli.Kubeconfigs;

/// <summary>Which kubeconfig files a command reads and writes: kubectl's rules.</summary>
internal static class KubeconfigLocation
{
    /// <summary>The file to write: <c>--kubeconfig</c>, else the first file of <c>KUBECONFIG</c>, else <c>~/.kube/config</c>.</summary>
    public static string Target(string? explicitPath, CliEnvironment env) =>
        explicitPath ?? FromVariable(env).FirstOrDefault() ?? Default(env);

    /// <summary>The files to read: <c>--kubeconfig</c>, else every file of <c>KUBECONFIG</c> (the first to name an entry wins), else <c>~/.kube/config</c>.</summary>
    public static IReadOnlyList<string> Sources(string? explicitPath, CliEnvironment env) =>
        explicitPath is not null ? [explicitPath] : FromVariable(env) is { Count: > 0 } files ? files : [Default(env)];

    private static string Default(CliEnvironment env) => Path.Combine(env.Home, ".kube", "config");

    private static List<string> FromVariable(CliEnvironment env) =>
        env["KUBECONFIG"]?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList() ?? [];
}
