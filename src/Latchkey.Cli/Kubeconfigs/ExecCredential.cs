using System.Text.Json.Serialization;

namespace Latchkey.Cli.Kubeconfigs;

/// <summary>
/// What an exec plugin prints for kubectl: <c>client.authentication.k8s.io/v1</c> ExecCredential
/// (upstream type <c>k8s.io/client-go/pkg/apis/clientauthentication/v1.ExecCredential</c>).
/// </summary>
internal sealed record ExecCredential(
    [property: JsonPropertyName("apiVersion")] string ApiVersion,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("status")] ExecCredentialStatus Status);

internal sealed record ExecCredentialStatus(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("expirationTimestamp")] string ExpirationTimestamp);

/// <summary>One context as <c>latchkey kubeconfig list</c> shows it.</summary>
internal sealed record ContextRow(
    string Name, bool Current, string? Cluster, string? User, string? Namespace, string File,
    string? TokenId, string? Status, DateTimeOffset? ExpiresAt);
