namespace Latchkey.Server.Tests.Security;

/// <summary>
/// The reference model of who holds which live token, written from DESIGN.md rather than from
/// the server: the property test compares every door's answer with what this says.
/// </summary>
internal sealed class TokenAuthorityModel
{
    public const int Grace = 60;

    public List<ModelOrg> Orgs { get; } = [];
    public List<ModelUser> Users { get; } = [];
    public List<ModelToken> Tokens { get; } = [];

    public static bool Ended(ModelToken t, DateTimeOffset now) => t.Revoked || t.RetiresAt <= now;

    /// <summary>Live: not ended, not expired, and a child's parent not ended (its expiry bounds the child's already).</summary>
    public static bool Live(ModelToken t, DateTimeOffset now) =>
        !Ended(t, now) && !(t.ExpiresAt <= now) && (t.Parent is null || !Ended(t.Parent, now));

    /// <summary>Accepted by the verifier at a door other than Kubernetes' (the API, forward-auth).</summary>
    public static bool WorksAtApi(ModelToken t, DateTimeOffset now) => Live(t, now) && t.Owner.Active && t.Kind != TokenKind.Exec;

    /// <summary>Accepted by the verifier at the Kubernetes door (any cluster; whether it may use that cluster comes after).</summary>
    public static bool VerifiesAtKubernetes(ModelToken t, DateTimeOffset now) => Live(t, now) && t.Owner.Active;

    /// <summary>TokenReview and SubjectAccessReview (get) at the owner's own cluster say yes.</summary>
    public static bool WorksAtOwnCluster(ModelToken t, DateTimeOffset now) => VerifiesAtKubernetes(t, now) && t.Owner.Viewer;

    /// <summary>A successful verification is a use: a replacement's first use retires the token it replaced (grace 0).</summary>
    public void Used(ModelToken t, DateTimeOffset now)
    {
        if (t.Predecessor is { RetiresOnFirstUse: true } p && !Ended(p, now))
        {
            Revoke(p);
        }
    }

    /// <summary>Revoking ends the token and every token made from it.</summary>
    public void Revoke(ModelToken t)
    {
        t.Revoked = true;
        foreach (var child in Tokens.Where(c => c.Parent == t))
        {
            child.Revoked = true;
        }
    }

    /// <summary>A replacement is not rotated while the token it replaced still works.</summary>
    public static bool PredecessorInGrace(ModelToken t, DateTimeOffset now) => t.Predecessor is { } p && !p.Revoked && (p.RetiresAt is null || p.RetiresAt > now);
}

internal enum TokenKind
{
    Control,
    Api,
    Login,
    Rotation,
    Exec,
}

internal sealed class ModelOrg
{
    public required Guid Id { get; init; }
    public required HttpClient Admin { get; init; }
    public required HttpClient Webhook { get; set; }
    public required string Cluster { get; init; }
    public bool Restricted { get; set; }
}

internal sealed class ModelUser
{
    public required string Email { get; init; }
    public required Guid Id { get; init; }
    public required ModelOrg Org { get; init; }
    public bool Active { get; set; } = true;
    public bool Viewer { get; set; } = true;
    public Guid? ViewerPolicy { get; set; }
}

internal sealed class ModelToken
{
    public required string Id { get; init; }
    public required string Secret { get; init; }
    public required ModelUser Owner { get; init; }
    public required TokenKind Kind { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public ModelToken? Parent { get; init; }
    public ModelToken? Predecessor { get; init; }
    public bool Revoked { get; set; }
    public bool Rotated { get; set; }
    public bool RetiresOnFirstUse { get; set; }
    public DateTimeOffset? RetiresAt { get; set; }

    public override string ToString() => $"{Kind} {Id} of {Owner.Email}";
}
