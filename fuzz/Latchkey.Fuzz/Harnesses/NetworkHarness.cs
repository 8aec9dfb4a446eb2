using System.Text;
using Latchkey.Server.Http;

namespace Latchkey.Fuzz;

/// <summary>
/// The strict address parser never throws, refuses with a reason, and accepts only text a person
/// reads the way it is taken: nothing outside hex digits, ':', '.' and '/', and what it prints
/// parses back to the same network or address.
/// </summary>
internal static class NetworkHarness
{
    public static void Run(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        if (NetworkAddresses.TryParseNetwork(text, out var network, out var error))
        {
            FuzzPropertyException.Check(error is null && Visible(text), $"accepted the network '{Escaped(text)}'");
            FuzzPropertyException.Check(NetworkAddresses.TryParseNetwork(network.ToString(), out var again, out _) && again.Equals(network),
                $"the network {network} (from '{Escaped(text)}') does not read back as itself");
        }
        else
        {
            FuzzPropertyException.Check(!string.IsNullOrEmpty(error), $"refused '{Escaped(text)}' without a reason");
        }

        if (NetworkAddresses.TryParseAddress(text, out var address, out _))
        {
            FuzzPropertyException.Check((address!.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || address.ScopeId == 0) && Visible(text) && !text.Contains('/', StringComparison.Ordinal),
                $"accepted the address '{Escaped(text)}'");
            FuzzPropertyException.Check(NetworkAddresses.TryParseAddress(address.ToString(), out var same, out _) && address.Equals(same),
                $"the address {address} (from '{Escaped(text)}') does not read back as itself");
        }
    }

    private static bool Visible(string text) => text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.' or '/');

    private static string Escaped(string text) => string.Concat(text.Select(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '.' or '/' ? c.ToString() : $"\\u{(int)c:x4}"));
}
