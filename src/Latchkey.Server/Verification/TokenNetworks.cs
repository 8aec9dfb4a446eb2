using System.Net;
using System.Net.Sockets;

namespace Latchkey.Server.Verification;

/// <summary>
/// A token's network allowlist: checked once when the token is made (clear errors, canonical form),
/// parsed once when it is looked up (the cached grant holds the networks), and matched on every use.
/// </summary>
internal static class TokenNetworks
{
    public const int MaxEntries = 20;
    public const string Field = "allowedCidrs";

    /// <summary>The canonical stored form (null: from anywhere), or the reason the list is refused.</summary>
    public static (string? Stored, string? Error) Check(IReadOnlyList<string>? entries)
    {
        if (entries is null || entries.Count == 0)
        {
            return (null, null);
        }

        if (entries.Count > MaxEntries)
        {
            return (null, $"allowedCidrs has {entries.Count} entries; at most {MaxEntries} are allowed. Combine neighbouring networks into wider ones.");
        }

        var networks = new List<string>(entries.Count);
        foreach (var raw in entries)
        {
            var text = raw?.Trim() ?? "";
            if (!Http.NetworkAddresses.TryParseNetwork(text, out var network, out var error))
            {
                return (null, error);
            }

            var canonical = network.ToString();
            if (!networks.Contains(canonical))
            {
                networks.Add(canonical);
            }
        }

        return (string.Join(',', networks), null);
    }

    public static IPNetwork[]? Parse(string? stored) =>
        string.IsNullOrEmpty(stored) ? null : [.. stored.Split(',').Select(n => IPNetwork.Parse(n))];

    public static IReadOnlyList<string>? List(string? stored) => string.IsNullOrEmpty(stored) ? null : stored.Split(',');

    public static string? Format(IPNetwork[]? networks) => networks is null ? null : string.Join(',', networks);

    /// <summary>
    /// True when <paramref name="address"/> lies in one of the networks. No address means no: an
    /// allowlist fails closed. An IPv4 client reaching a dual-stack socket shows up as ::ffff:a.b.c.d
    /// and is matched as the IPv4 address it is.
    /// </summary>
    public static bool Allows(IPNetwork[] networks, IPAddress? address)
    {
        ArgumentNullException.ThrowIfNull(networks);
        if (address is null)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
