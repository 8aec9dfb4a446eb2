using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Latchkey.Bench.TokenBenchmarks).Assembly).Run(args);
