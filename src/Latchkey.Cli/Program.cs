using Latchkey.Cli;

return await Cli.RunAsync(args, CliConsole.FromProcess(), CliEnvironment.FromProcess(), handleTermination: true);
