using System.Text.Json;
using System.Text.Json.Serialization;

namespace Latchkey.Server.ClusterAuth;

// Wire formats of the Kubernetes webhooks, field for field. Upstream types:
// k8s.io/api/authentication/v1 (and v1beta1) TokenReview, k8s.io/api/authorization/v1 (and v1beta1)
// SubjectAccessReview. Unknown fields are ignored (the API server sends metadata and may add fields).

internal sealed record TokenReview(
    [property: JsonPropertyName("apiVersion")] string? ApiVersion,
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("spec")] TokenReviewSpec? Spec,
    [property: JsonPropertyName("status")] TokenReviewStatus? Status = null);

internal sealed record TokenReviewSpec(
    [property: JsonPropertyName("token")] string? Token,
    [property: JsonPropertyName("audiences")] IReadOnlyList<string>? Audiences) : IJsonOnDeserialized
{
    void IJsonOnDeserialized.OnDeserialized() => ReviewJson.RefuseNullItems(Audiences, "spec.audiences");
}

internal sealed record TokenReviewStatus(
    [property: JsonPropertyName("authenticated")] bool Authenticated,
    [property: JsonPropertyName("user")] ReviewUser? User = null,
    [property: JsonPropertyName("audiences")] IReadOnlyList<string>? Audiences = null,
    [property: JsonPropertyName("error")] string? Error = null);

internal sealed record ReviewUser(
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("uid")] string Uid,
    [property: JsonPropertyName("groups")] IReadOnlyList<string> Groups,
    [property: JsonPropertyName("extra")] IReadOnlyDictionary<string, IReadOnlyList<string>> Extra);

internal sealed record SubjectAccessReview(
    [property: JsonPropertyName("apiVersion")] string? ApiVersion,
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("spec")] SubjectAccessReviewSpec? Spec,
    [property: JsonPropertyName("status")] SubjectAccessReviewStatus? Status = null);

/// <summary>v1 calls the groups <c>groups</c>; v1beta1 calls them <c>group</c>.</summary>
internal sealed record SubjectAccessReviewSpec(
    [property: JsonPropertyName("resourceAttributes")] ResourceAttributes? ResourceAttributes,
    [property: JsonPropertyName("nonResourceAttributes")] NonResourceAttributes? NonResourceAttributes,
    [property: JsonPropertyName("user")] string? User,
    [property: JsonPropertyName("uid")] string? Uid,
    [property: JsonPropertyName("groups")] IReadOnlyList<string>? Groups,
    [property: JsonPropertyName("group")] IReadOnlyList<string>? Group,
    [property: JsonPropertyName("extra")] IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra = null) : IJsonOnDeserialized
{
    void IJsonOnDeserialized.OnDeserialized()
    {
        ReviewJson.RefuseNullItems(Groups, "spec.groups");
        ReviewJson.RefuseNullItems(Group, "spec.group");
        // A null list is Go's nil slice (no values), as the API server may send it; a null item is nothing the API server sends.
        foreach (var (key, values) in Extra ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            ReviewJson.RefuseNullItems(values, $"spec.extra[\"{key}\"]");
        }
    }
}

internal sealed record ResourceAttributes(
    [property: JsonPropertyName("namespace")] string? Namespace,
    [property: JsonPropertyName("verb")] string? Verb,
    [property: JsonPropertyName("group")] string? Group,
    [property: JsonPropertyName("resource")] string? Resource,
    [property: JsonPropertyName("subresource")] string? Subresource,
    [property: JsonPropertyName("name")] string? Name);

internal sealed record NonResourceAttributes(
    [property: JsonPropertyName("path")] string? Path,
    [property: JsonPropertyName("verb")] string? Verb);

internal sealed record SubjectAccessReviewStatus(
    [property: JsonPropertyName("allowed")] bool Allowed,
    [property: JsonPropertyName("denied")] bool? Denied = null,
    [property: JsonPropertyName("reason")] string? Reason = null);

internal static class ReviewJson
{
    /// <summary>Kubernetes style: unknown fields ignored, absent values left out of answers.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        // {"token": "a", "token": "b"}: which one a parser keeps differs between parsers, so neither is trusted.
        AllowDuplicateProperties = false,
    };

    /// <summary>
    /// Nullable annotations say nothing about list items, so <c>[null]</c> would reach the decision
    /// as a null string: refused here as the malformed review it is.
    /// </summary>
    public static void RefuseNullItems(IReadOnlyList<string>? values, string field)
    {
        if (values is not null && values.Contains(null!))
        {
            throw new JsonException($"{field} holds a null; it is a list of strings.");
        }
    }
}
