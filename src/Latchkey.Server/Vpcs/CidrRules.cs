namespace Latchkey.Server.Vpcs;

/// <summary>
/// A VPC's network in CIDR notation, IPv4 or IPv6, read by the same strict parser as token
/// allowlists: a typo in a network that policies are scoped to is pointed out, not silently
/// turned into another network.
/// </summary>
internal static class CidrRules
{
    public const string Field = "cidr";

    /// <summary>The network in canonical form, or the message saying what is wrong.</summary>
    public static (string? Cidr, string? Problem) Check(string? text) =>
        Http.NetworkAddresses.TryParseNetwork(text?.Trim() ?? "", out var network, out var error) ? (network.ToString(), null) : (null, error);
}
