using System.Net;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Verification;

namespace Latchkey.Server.Tokens;

/// <summary>
/// What a token made from another may be. A child (today: an exec credential, made from the
/// token that asked for it) never outlives its parent, never carries more scopes or wider
/// networks, and stops working the moment the parent does (the verifier checks the parent at
/// every lookup, and revoking the parent evicts the child from every replica's cache).
/// A rotation's successor is no child: it replaces its predecessor and outlives it by design.
/// </summary>
internal static class Lineage
{
    /// <summary>How an exec credential is marked: it works at the Kubernetes door of its cluster only.</summary>
    public const string ExecCredential = "exec";

    public static DateTimeOffset? Earliest(DateTimeOffset? first, DateTimeOffset? second, DateTimeOffset? third)
    {
        var earliest = first;
        foreach (var candidate in (ReadOnlySpan<DateTimeOffset?>)[second, third])
        {
            if (candidate is { } value && (earliest is null || value < earliest))
            {
                earliest = value;
            }
        }

        return earliest;
    }

    /// <summary>
    /// Bounds a draft by its parent: the expiry clamped to the parent's end, networks inherited
    /// when the child names none. Refuses (rather than narrows) scopes or networks wider than the
    /// parent's, since a caller who asked for them should hear that they cannot have them.
    /// </summary>
    public static Outcome<TokenDraft> Bound(TokenDraft draft, TokenGrant parent)
    {
        if (parent.KubernetesOnly)
        {
            return Refused.Forbidden("An exec credential cannot make other tokens.");
        }

        if (parent.Scopes is { } parentScopes && (draft.Scopes is not { } scopes || !scopes.IsWithin(parentScopes)))
        {
            return Refused.Forbidden("The new token would be wider than the scopes of the token you are using; a token can only make narrower ones.");
        }

        var networks = TokenNetworks.Parse(draft.AllowedCidrs);
        if (parent.Networks is { } parentNetworks)
        {
            if (networks is not null && !networks.All(n => parentNetworks.Any(p => Contains(p, n))))
            {
                return Refused.Forbidden("The new token's networks are wider than those of the token you are using.");
            }

            networks ??= parentNetworks;
        }

        return draft with
        {
            ExpiresAt = Earliest(draft.ExpiresAt, parent.ExpiresAt, parent.RetiresAt),
            AllowedCidrs = TokenNetworks.Format(networks),
        };
    }

    private static bool Contains(IPNetwork outer, IPNetwork inner) =>
        inner.PrefixLength >= outer.PrefixLength && outer.Contains(inner.BaseAddress);
}
