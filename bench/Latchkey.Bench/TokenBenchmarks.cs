using BenchmarkDotNet.Attributes;
using Latchkey.Core.Tokens;
using Latchkey.Server;
using Latchkey.Server.Verification;
using Microsoft.Extensions.Options;

namespace Latchkey.Bench;

/// <summary>The pure parts of the token path: minting, the format check, the keyed digest.</summary>
[MemoryDiagnoser]
public class TokenBenchmarks
{
    private readonly string token = TokenFormat.Generate();
    private readonly TokenKeyRing keys = TokenKeyRing.Create(Options.Create(new LatchkeyOptions
    {
        TokenKeys = new() { Current = "k1", Keys = { ["k1"] = Convert.ToBase64String(new byte[32]) } },
    }));

    [Benchmark]
    public string Generate() => TokenFormat.Generate();

    [Benchmark]
    public bool CheckFormat() => TokenFormat.IsWellFormed(token);

    [Benchmark]
    public int Digest() => keys.Digest(token).GetHashCode();
}
