using System.Net;

namespace Latchkey.Server.Verification;

/// <summary>What a valid token stands for: the snapshot the verification cache holds.</summary>
/// <param name="Networks">The allowlist, parsed once at lookup; null means from anywhere.</param>
/// <param name="RetiresAt">For a rotated token, the end of its grace period.</param>
/// <param name="ReplacedBy">For a rotated token, its replacement.</param>
/// <param name="RetiresOnFirstUse">For a replacement, the rotated token that stops working at this one's first use.</param>
/// <param name="ParentDigest">For a token made from another (an exec credential), the parent's stored digest: revoking the parent evicts this one too.</param>
/// <param name="KubernetesOnly">An exec credential: it works at the Kubernetes door of its cluster and nowhere else (it cannot mint, rotate or sign in).</param>
internal sealed record TokenGrant(
    string TokenId,
    string TokenName,
    DateTimeOffset? ExpiresAt,
    Guid UserId,
    string Email,
    string DisplayName,
    Guid OrganizationId,
    string OrganizationSlug,
    string OrganizationName,
    Iam.TokenScopeSet? Scopes = null,
    IPNetwork[]? Networks = null,
    DateTimeOffset? RetiresAt = null,
    string? ReplacedBy = null,
    string? RetiresOnFirstUse = null,
    TokenDigest? ParentDigest = null,
    bool KubernetesOnly = false);

internal enum VerificationFailure
{
    None,
    Missing,
    Malformed,
    Unknown,
    Revoked,
    Expired,
    OwnerDisabled,

    /// <summary>A genuine token, used from an address outside its allowlist.</summary>
    NetworkDenied,

    /// <summary>An exec credential presented anywhere but at the Kubernetes door.</summary>
    WrongDoor,
}

/// <summary>A rotated token presented after it retired: what its owner is told.</summary>
internal sealed record RetiredTokenUse(string TokenId, string TokenName, Guid UserId, Guid OrganizationId, string? ReplacedBy);

/// <summary>
/// The outcome of one verification. <see cref="TokenId"/> is known when the token exists but failed;
/// <see cref="Retired"/> is set for a rotated token presented after it retired.
/// </summary>
internal readonly record struct Verification(
    TokenGrant? Grant, VerificationFailure Failure, string? TokenId = null, Guid? OrganizationId = null, RetiredTokenUse? Retired = null)
{
    public bool ReusedAfterRotation => Retired is not null;

    public static Verification Valid(TokenGrant grant) => new(grant, VerificationFailure.None);

    /// <summary>For metrics: "valid", or the failure in lower case.</summary>
    public string Outcome => Grant is not null ? "valid" : Failure switch
    {
        VerificationFailure.Missing => "missing",
        VerificationFailure.Malformed => "malformed",
        VerificationFailure.Unknown => "unknown",
        VerificationFailure.Revoked => "revoked",
        VerificationFailure.Expired => "expired",
        VerificationFailure.OwnerDisabled => "owner_disabled",
        VerificationFailure.NetworkDenied => "network_denied",
        VerificationFailure.WrongDoor => "wrong_door",
        _ => "invalid",
    };

    /// <summary>What a door records for a refused token: the reasons an owner must hear of have actions of their own.</summary>
    public string AuditAction => Failure switch
    {
        VerificationFailure.NetworkDenied => "token.denied-network",
        _ when ReusedAfterRotation => "token.reused-after-rotation",
        _ => "auth.failed",
    };

    public static Verification Failed(VerificationFailure failure) => new(null, failure);
}
