using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Latchkey.Server.Http;

/// <summary>
/// The one parser for addresses and networks that people write: token allowlists, VPCs, trusted
/// proxies. Stricter than IPAddress.Parse, which takes <c>010.000.000.000</c> as octal (8.0.0.0),
/// <c>0x0a.0.0.0</c> and <c>167772160</c> as 10.0.0.0, <c>10.1</c> as 10.0.0.1, and keeps IPv6 zone
/// ids: a network that decides who gets in must mean exactly what it says to the person reading it.
/// </summary>
internal static class NetworkAddresses
{
    private const string Example = "such as 10.0.0.0/8 or 2001:db8::/32";
    private static readonly SearchValues<char> AsciiDigits = SearchValues.Create("0123456789");

    /// <summary>
    /// A network in CIDR notation: an address as <see cref="TryParseAddress"/> takes it, '/', and a
    /// decimal prefix length (no sign, no leading zero) in range; no bits set past the prefix.
    /// </summary>
    public static bool TryParseNetwork(string text, out IPNetwork network, out string? error)
    {
        network = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            error = TryParseAddress(text, out var single, out _)
                ? $"'{text}' is an address, not a network in CIDR notation. For this address alone write {single}/{(single!.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)}."
                : $"'{text}' is not a network in CIDR notation, {Example}.";
            return false;
        }

        if (!TryParseAddress(text[..slash], out var address, out _))
        {
            error = $"'{text}' is not a network in CIDR notation, {Example}: write the address as four decimal numbers 0-255 (no leading zeros) or standard IPv6.";
            return false;
        }

        var bits = address!.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefixText = text.AsSpan(slash + 1);
        // ASCII digits only: int.TryParse alone takes trailing NULs ("/8\0"), which a reader does not see.
        if (prefixText.IsEmpty || prefixText.Length > 3 || (prefixText.Length > 1 && prefixText[0] == '0')
            || prefixText.ContainsAnyExcept(AsciiDigits)
            || !int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > bits)
        {
            error = $"'{text}' is not a network in CIDR notation, {Example}: the prefix length of an {(bits == 32 ? "IPv4" : "IPv6")} network is 0 to {bits}.";
            return false;
        }

        network = new IPNetwork(Masked(address, prefix), prefix);
        if (!network.BaseAddress.Equals(address))
        {
            error = $"'{text}' has host bits set after the /{prefix} prefix. Did you mean {network}?";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>IPv4 as exactly four decimal parts 0-255 without leading zeros; IPv6 in its standard text forms, without a zone id.</summary>
    public static bool TryParseAddress(string text, out IPAddress? address, out string? error)
    {
        address = null;
        error = $"'{text}' is not an IP address: write IPv4 as four decimal numbers 0-255 without leading zeros (10.0.0.1), or IPv6 without a zone (2001:db8::1).";
        if (text.Length is 0 or > 45)
        {
            return false;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            // Hex digits, colons and, for an embedded IPv4 tail, dots: no zone ('%'), brackets, spaces or signs.
            if (!text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')
                || !IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6
                || (text.Contains('.', StringComparison.Ordinal) && !IsDottedQuad(text[(text.LastIndexOf(':') + 1)..])))
            {
                return false;
            }

            address = v6;
            error = null;
            return true;
        }

        if (!IsDottedQuad(text))
        {
            return false;
        }

        address = IPAddress.Parse(text);
        error = null;
        return true;
    }

    private static bool IsDottedQuad(string text)
    {
        var parts = text.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit) && (p.Length == 1 || p[0] != '0')
            && int.Parse(p, CultureInfo.InvariantCulture) <= 255);
    }

    private static IPAddress Masked(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPAddress(bytes);
    }
}
