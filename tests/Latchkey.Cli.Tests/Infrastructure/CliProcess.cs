using System.Diagnostics;

namespace Latchkey.Cli.Tests.Infrastructure;

/// <summary>Runs the built <c>latchkey</c> executable as its own process, as a shell or kubectl would.</summary>
internal static class CliProcess
{
    /// <summary>The folder holding the <c>latchkey</c> executable: put it first on PATH for kubectl's exec plugin.</summary>
    public static string Folder => AppContext.BaseDirectory;

    public static string Executable => Path.Combine(Folder, "latchkey");

    public static async Task<CliResult> RunAsync(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string? input = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input ?? "");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return new CliResult(process.ExitCode, await output, await error);
    }

    /// <summary>An environment for a child process: a home of its own and the latchkey executable first on PATH.</summary>
    public static Dictionary<string, string> Environment(string home) => new(StringComparer.Ordinal)
    {
        ["HOME"] = home,
        ["XDG_CONFIG_HOME"] = Path.Combine(home, ".config"),
        ["XDG_CACHE_HOME"] = Path.Combine(home, ".cache"),
        ["KUBECONFIG"] = "",
        ["LATCHKEY_SERVER"] = "",
        ["LATCHKEY_TOKEN"] = "",
        ["PATH"] = $"{Folder}:{System.Environment.GetEnvironmentVariable("PATH")}",
    };
}
