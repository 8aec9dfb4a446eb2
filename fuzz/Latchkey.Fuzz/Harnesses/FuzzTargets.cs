namespace Latchkey.Fuzz;

/// <summary>
/// One harness per parser that reads what others write. A harness returns when the input is
/// refused the documented way or parsed and its property holds; anything else it throws
/// (<see cref="FuzzPropertyException"/> or whatever escaped the parser) is a crash.
/// </summary>
internal static class FuzzTargets
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["token"] = TokenHarness.Run,
        ["review"] = ReviewHarness.Run,
        ["network"] = NetworkHarness.Run,
        ["kubeconfig"] = KubeconfigHarness.Run,
    };
}

/// <summary>A parse that succeeded but broke the property its harness checks.</summary>
internal sealed class FuzzPropertyException(string message) : Exception(message)
{
    public static void Check(bool holds, string what)
    {
        if (!holds)
        {
            throw new FuzzPropertyException(what);
        }
    }
}
