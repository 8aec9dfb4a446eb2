namespace Latchkey.Data;

/// <summary>A virtual private network of the organization: a resource that access policies can be scoped to.</summary>
public sealed class Vpc
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }

    /// <summary>DNS label, unique in the organization.</summary>
    public required string Name { get; set; }

    public required string Zone { get; set; }

    /// <summary>The network in canonical CIDR notation (host bits zero), IPv4 or IPv6.</summary>
    public required string Cidr { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
