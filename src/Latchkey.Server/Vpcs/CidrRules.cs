using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Latchkey.Server.Vpcs;

/// <summary>
/// A VPC's network in CIDR notation, IPv4 or IPv6. IPNetwork.TryParse alone would take
/// 10.0.0.1/8 as 10.0.0.0/8 and 10.1/16 as 10.0.0.0/16; a typo in a network that policies
/// are scoped to should be pointed out, not silently turned into another network.
/// </summary>
internal static class CidrRules
{
    public const string Field = "cidr";

    /// <summary>The network in canonical form, or the message saying what is wrong.</summary>
    public static (string? Cidr, string? Problem) Check(string? text)
    {
        text = text?.Trim();
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (string.IsNullOrEmpty(text) || slash < 0
            || !IPAddress.TryParse(text.AsSpan(0, slash), out var address)
            || !IsPlainAddress(text[..slash], address)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix))
        {
            return (null, "cidr must be a network in CIDR notation: an IPv4 or IPv6 address, '/' and a prefix length, such as 10.0.0.0/16 or fd00:10::/48.");
        }

        var ipv4 = address.AddressFamily == AddressFamily.InterNetwork;
        if (!IPNetwork.TryParse(text, out var network))
        {
            return (null, ipv4 ? "The prefix length of an IPv4 network is 0 to 32, as in 10.0.0.0/16." : "The prefix length of an IPv6 network is 0 to 128, as in fd00:10::/48.");
        }

        if (!network.BaseAddress.Equals(address))
        {
            return (null, $"{text} has bits set after the /{prefix.ToString(CultureInfo.InvariantCulture)} prefix; did you mean {network}?");
        }

        return (network.ToString(), null);
    }

    /// <summary>Four decimal parts for IPv4 (no "10.1" shorthand, no octal) and no zone index for IPv6.</summary>
    private static bool IsPlainAddress(string text, IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork
            ? address.ToString() == text
            : address.AddressFamily == AddressFamily.InterNetworkV6 && !text.Contains('%', StringComparison.Ordinal);
}
