using System.Diagnostics;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

public class ReadmeSessionTests
{
    [Fact]
    public async Task The_readme_curl_session_works_as_written()
    {
        var bash = Requires.Program("bash");
        Requires.Program("curl");
        Requires.Program("jq");
        const string password = "readme-password";
        await using var app = await TestApp.StartAsync(new()
        {
            ["Latchkey:Bootstrap:AdminEmail"] = "admin@latchkey.local",
            ["Latchkey:Bootstrap:AdminPassword"] = password,
        });

        var readme = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Assets", "README.md"));
        var start = readme.IndexOf("<!-- readme-session:start -->", StringComparison.Ordinal);
        var end = readme.IndexOf("<!-- readme-session:end -->", StringComparison.Ordinal);
        Assert.True(start > 0 && end > start, "the README marks its curl session");
        var block = readme[start..end];
        var script = block[(block.IndexOf("```bash\n", StringComparison.Ordinal) + 8)..block.LastIndexOf("```", StringComparison.Ordinal)];
        Assert.Contains("LATCHKEY=http://127.0.0.1:8080", script, StringComparison.Ordinal);
        script = script.Replace("http://127.0.0.1:8080", app.BaseAddress.ToString().TrimEnd('/'), StringComparison.Ordinal);

        var run = new ProcessStartInfo(bash, ["-euo", "pipefail", "-c", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(run)!;
        await process.StandardInput.WriteLineAsync(password);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{errors}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("401", lines[^1]);
        Assert.Contains(lines, l => l == "ci-deploy");
        Assert.Contains(lines, l => l.Contains("ci-deploy\tactive", StringComparison.Ordinal));
        Assert.Contains("\"slug\": \"default\"", output, StringComparison.Ordinal);
    }
}
