using Latchkey.Fuzz;
using SharpFuzz;

if (args is not [var name] || !FuzzTargets.All.TryGetValue(name, out var target))
{
    Console.Error.WriteLine($"usage: Latchkey.Fuzz <{string.Join('|', FuzzTargets.All.Keys)}>  (run by fuzz/run.sh under afl-fuzz)");
    return 2;
}

// Out of process: a stack overflow or an abort in the harness is reported to afl-fuzz as a crash instead of ending the fuzzer.
Fuzzer.OutOfProcess.Run(stream =>
{
    using var input = new MemoryStream();
    stream.CopyTo(input);
    target(input.ToArray());
});
return 0;
