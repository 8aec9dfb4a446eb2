namespace Latchkey.Server.Verification;

/// <summary>What a valid token stands for: the snapshot the verification cache holds.</summary>
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
    Iam.TokenScopeSet? Scopes = null);

internal enum VerificationFailure
{
    None,
    Missing,
    Malformed,
    Unknown,
    Revoked,
    Expired,
    OwnerDisabled,
}

/// <summary>The outcome of one verification. <see cref="TokenId"/> is known when the token exists but failed.</summary>
internal readonly record struct Verification(TokenGrant? Grant, VerificationFailure Failure, string? TokenId = null, Guid? OrganizationId = null)
{
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
        _ => "invalid",
    };

    public static Verification Failed(VerificationFailure failure) => new(null, failure);
}
