using System.CommandLine;
using Latchkey.Cli.Kubeconfigs;
using Latchkey.Cli.Output;
using Latchkey.Core.Contracts;
using Latchkey.Core.Kubeconfigs;

namespace Latchkey.Cli.Commands;

internal static class KubeconfigCheckCommand
{
    public static Command Build(CliConsole console, CliEnvironment env)
    {
        var path = new Argument<string?>("path") { Description = "The file to check (default: every file of KUBECONFIG, else ~/.kube/config).", Arity = ArgumentArity.ZeroOrOne };
        var offline = new Option<bool>("--offline") { Description = "Do not ask the server whether tokens are expired or revoked." };
        var command = new Command("check", "Look for problems: readable by others, committable to git, broken references, expired, revoked or shared tokens, secrets where the exec form needs none. Exits 1 when it finds any.")
        {
            path, offline,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var files = KubeconfigLocation.Sources(parse.GetValue(path), env);
            using var api = parse.GetValue(offline) || !CliConfig.IsSignedIn(env) ? null : CliConfig.Connect(env, TimeSpan.FromSeconds(5));
            return await RunAsync(files, console, api, env.Time, cancellationToken);
        });
        return command.WithExamples("latchkey kubeconfig check", "latchkey kubeconfig check ~/.kube/config --offline");
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> paths, CliConsole console, ApiClient? api, TimeProvider time, CancellationToken cancellationToken)
    {
        var findings = new List<Finding>();
        var files = new List<(string File, Kubeconfig Config)>();
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                console.Error.WriteLine($"Note: {path} does not exist; nothing to check there.");
                continue;
            }

            findings.AddRange(KubeconfigDoctor.CheckFile(path));
            try
            {
                files.Add((path, KubeconfigFile.Load(path)));
            }
            catch (KubeconfigException e)
            {
                findings.Add(new Finding(path, e.Message, "fix the file (its backup, if Latchkey wrote it, is " + path + ".bak)."));
            }
        }

        if (files.Count > 0)
        {
            findings.AddRange(KubeconfigDoctor.CheckEntries(files));
            findings.AddRange(ChainFindings.Shadowed(files));
            if (api is not null)
            {
                try
                {
                    findings.AddRange(ChainFindings.ForeignServers(files, await api.GetAsync("api/v1/clusters", CliJson.Default.ListClusterInfo, cancellationToken)));
                }
                catch (CliException e)
                {
                    console.Error.WriteLine($"Note: cluster servers not checked against Latchkey. {e.Message}");
                }
            }

            var ids = KubeconfigDoctor.TokenIds(files.Select(f => f.Config)).ToList();
            if (ids.Count > 0 && api is null)
            {
                console.Error.WriteLine("Note: token expiry and revocation not checked (offline, or not signed in).");
            }
            else if (ids.Count > 0)
            {
                try
                {
                    var known = await TokenLookup.FetchAsync(api!, ids, cancellationToken);
                    findings.AddRange(KubeconfigDoctor.CheckTokens(files, known, time.GetUtcNow()));
                }
                catch (CliException e)
                {
                    console.Error.WriteLine($"Note: token expiry and revocation not checked. {e.Message}");
                }
            }
        }

        foreach (var finding in findings)
        {
            console.Out.WriteLine($"{finding.File}: {finding.Problem}");
            console.Out.WriteLine($"    fix: {finding.Fix}");
        }

        console.Out.WriteLine(findings.Count == 0
            ? $"No problems found in {string.Join(", ", files.Select(f => f.File))}."
            : $"{findings.Count} problem(s) found.");
        return findings.Count == 0 ? ExitCodes.Ok : ExitCodes.Error;
    }
}
