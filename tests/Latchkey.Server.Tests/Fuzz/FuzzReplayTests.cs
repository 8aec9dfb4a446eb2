using System.Diagnostics;
using System.Text;
using CsCheck;
using Latchkey.Core.Kubeconfigs;
using Latchkey.Fuzz;

namespace Latchkey.Server.Tests.Fuzz;

/// <summary>
/// The bounded fuzz run of every build: the whole corpus in fuzz/corpus (seeds and the inputs that
/// once crashed a harness, kept as regressions) and a few thousand generated inputs per target go
/// through the same harnesses that fuzz/run.sh hands to afl-fuzz. A harness that throws is a crash.
/// </summary>
public class FuzzReplayTests
{
    public static TheoryData<string> Targets => [.. FuzzTargets.All.Keys];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_corpus_input_is_refused_or_parsed_with_its_property_holding(string target)
    {
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fuzz", "corpus", target));
        Assert.NotEmpty(files);
        var started = Stopwatch.GetTimestamp();
        foreach (var file in files)
        {
            var input = File.ReadAllBytes(file);
            var failure = Record.Exception(() => FuzzTargets.All[target](input));
            Assert.True(failure is null, $"{Path.GetFileName(file)}: {failure}");
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{target}: {files.Length} corpus inputs in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Generated_inputs_are_refused_or_parsed_with_their_property_holding(string target)
    {
        var seeds = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fuzz", "corpus", target)).Select(File.ReadAllBytes).ToArray();
        var alphabet = Gen.Char[string.Concat(seeds.Select(Encoding.UTF8.GetString)) + "\0/:.%&*!|>-[]{}\"\\\n "];
        // Seeds with a few bytes replaced, inserted or cut, like afl-fuzz's first stages, and text from the seeds' characters.
        var mutated = Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int[0, 4096], Gen.Byte.Array[1, 8], Gen.Int[0, 2])
            .Select((seed, at, bytes, how) => Mutate(seeds[seed], at, bytes, how));
        var text = alphabet.Array[0, 120].Select(chars => Encoding.UTF8.GetBytes(chars));
        var started = Stopwatch.GetTimestamp();

        Gen.Frequency((3, mutated), (1, text)).Sample(input => Replay(target, input), iter: 3000);

        TestContext.Current.TestOutputHelper?.WriteLine($"{target}: 3000 generated inputs in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F0} ms");
    }

    [Theory]
    [InlineData("regression-alias-cycle.yaml", "alias")]
    [InlineData("regression-billion-laughs.yaml", "expanded")]
    [InlineData("regression-deep-nesting.yaml", "levels deep")]
    [InlineData("regression-duplicate-names.yaml", "two entries named 'prod-1'")]
    [InlineData("regression-empty-key.yaml", "empty mapping key")]
    [InlineData("regression-null-key.yaml", "empty mapping key or a null one")]
    [InlineData("regression-duplicate-key-spellings.yaml", "the key 'token' twice")]
    [InlineData("regression-alias-nesting.yaml", "levels deep counting the nodes its aliases stand for")]
    [InlineData("regression-afl-aliases-slow.yaml", "its aliases stand for over 256 KiB")]
    [InlineData("regression-afl-invalid-tag.yaml", "Global tags must be valid URIs")]
    [InlineData("regression-afl-invalid-tag-in-flow.yaml", "Global tags must be valid URIs")]
    [InlineData("regression-afl-mapping-key.yaml", "is a list or a mapping; a key is a plain string")]
    [InlineData("regression-afl-sequence-key.yaml", "is a list or a mapping; a key is a plain string")]
    [InlineData("regression-afl-tag-plus.yaml", "is not one of YAML's own")]
    public void A_kubeconfig_that_would_exhaust_or_confuse_the_reader_is_refused_with_the_reason(string file, string reason)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fuzz", "corpus", "kubeconfig", file));

        var refused = Assert.Throws<KubeconfigException>(() => Kubeconfig.Parse(text, "config"));

        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    /// <summary>The input of a crash in a form to keep as a regression file (base64 -d &gt; fuzz/corpus/&lt;target&gt;/regression-...).</summary>
    private static void Replay(string target, byte[] input)
    {
        try
        {
            FuzzTargets.All[target](input);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{target} crashed on the input (base64) {Convert.ToBase64String(input)}", e);
        }
    }

    private static byte[] Mutate(byte[] seed, int at, byte[] bytes, int how)
    {
        var position = seed.Length == 0 ? 0 : at % (seed.Length + 1);
        var result = new List<byte>(seed);
        switch (how)
        {
            case 0:
                result.InsertRange(position, bytes);
                break;
            case 1:
                result.RemoveRange(position, Math.Min(bytes.Length, seed.Length - position));
                break;
            default:
                for (var i = 0; i < bytes.Length && position + i < result.Count; i++)
                {
                    result[position + i] = bytes[i];
                }

                break;
        }

        return [.. result];
    }
}
