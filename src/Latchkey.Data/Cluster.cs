namespace Latchkey.Data;

public sealed class Cluster
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }

    /// <summary>DNS label, unique in the organization; used in kubeconfig names.</summary>
    public required string Name { get; set; }

    public string? Zone { get; set; }
    public required string Server { get; set; }

    /// <summary>Base64 of the PEM bundle that signs the API server's certificate.</summary>
    public string? CertificateAuthorityData { get; set; }

    /// <summary>What the API server puts in TokenReview <c>spec.audiences</c>; defaults to the server URL.</summary>
    public required string Audience { get; set; }

    public required string DefaultNamespace { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
