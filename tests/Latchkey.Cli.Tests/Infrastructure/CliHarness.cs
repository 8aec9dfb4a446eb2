using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Cli.Tests.Infrastructure;

internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs the real <c>latchkey</c> command line in-process: a home folder of its own, its own
/// environment variables, the server's clock, standard input and output captured.
/// </summary>
internal sealed class CliHarness : IDisposable
{
    public CliHarness(TestApp? app = null)
    {
        App = app;
        Home = Directory.CreateTempSubdirectory("latchkey-cli-home-").FullName;
        Time = app?.Time ?? TimeProvider.System;
    }

    public TestApp? App { get; }
    public string Home { get; }
    public TimeProvider Time { get; }
    public Dictionary<string, string?> Variables { get; } = new(StringComparer.Ordinal);

    public string DefaultKubeconfig => Path.Combine(Home, ".kube", "config");
    public string ConfigFile => Path.Combine(Home, ".config", "latchkey", "config.json");

    public CliEnvironment Environment => new(name => Variables.GetValueOrDefault(name), Home, Time);

    public async Task<CliResult> RunAsync(params string[] args) => await RunWithInputAsync(null, args);

    public async Task<CliResult> RunWithInputAsync(string? input, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new CliConsole(output, error, new StringReader(input ?? ""), interactive: false);
        var exit = await Cli.RunAsync(args, console, Environment);
        return new CliResult(exit, output.ToString(), error.ToString());
    }

    /// <summary>Signs in as the bootstrap admin through the real <c>login</c> command.</summary>
    public async Task LoginAsync(string email = TestApp.AdminEmail, string password = TestApp.AdminPassword)
    {
        var result = await RunWithInputAsync(password + "\n", "login", "--server", App!.BaseAddress.ToString(), "--email", email, "--password-stdin");
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    public void Dispose() => Directory.Delete(Home, recursive: true);
}
