using Latchkey.Core.Tokens;
using Latchkey.Data;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.ClusterAuth;

/// <summary>The cluster a webhook call comes from, as its credential says.</summary>
internal sealed record WebhookCaller(Guid ClusterId, Guid OrganizationId, string ClusterName, string Audience);

/// <summary>
/// Issues and checks the credentials that API servers use to call the webhooks. Without one a
/// webhook answers 401: a TokenReview endpoint open to the world would be a token-guessing oracle.
/// </summary>
internal sealed class WebhookCallers(TokenKeyRing keys, IDbContextFactory<LatchkeyDbContext> store, TimeProvider time)
{
    private readonly ExpiringCache<TokenDigest, WebhookCaller> cache = new(time, TimeSpan.FromSeconds(60), 10_000);

    public async ValueTask<WebhookCaller?> AuthenticateAsync(HttpRequest request)
    {
        var secret = BearerHeader.Read(request);
        if (secret is null || !TokenFormat.IsWellFormed(secret))
        {
            return null;
        }

        var digest = keys.Digest(secret);
        if (cache.TryGet(digest, out var caller))
        {
            return caller;
        }

        var generation = cache.Generation;
        var db = await store.CreateDbContextAsync().ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            // Credentials issued before a key rotation are stored under an older key.
            foreach (var (keyId, candidate) in keys.AllDigests(secret))
            {
                var bytes = candidate.ToArray();
                caller = await db.ClusterCredentials.AsNoTracking()
                    .Where(c => c.SecretDigest == bytes && c.DigestKeyId == keyId && c.RevokedAt == null)
                    .Select(c => new WebhookCaller(c.ClusterId, c.OrganizationId, c.Cluster.Name, c.Cluster.Audience))
                    .SingleOrDefaultAsync().ConfigureAwait(false);
                if (caller is not null)
                {
                    break;
                }
            }
        }

        if (caller is not null)
        {
            cache.Set(digest, caller, generation);
        }

        return caller;
    }

    /// <summary>A new credential for the cluster. The secret is returned once and only its digest is kept.</summary>
    public (ClusterCredential Credential, string Secret) Issue(Cluster cluster, Guid issuedBy)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var secret = TokenFormat.Generate();
        var credential = new ClusterCredential
        {
            Id = Guid.CreateVersion7(),
            ClusterId = cluster.Id,
            OrganizationId = cluster.OrganizationId,
            SecretDigest = keys.Digest(secret).ToArray(),
            DigestKeyId = keys.CurrentKeyId,
            CreatedAt = time.GetUtcNow(),
            CreatedByUserId = issuedBy,
        };
        return (credential, secret);
    }

    /// <summary>After a cluster is removed (its credentials go with it) or its credentials are revoked.</summary>
    public void Forget(Guid clusterId) => cache.EvictWhere(c => c.ClusterId == clusterId);

    public void ForgetAll() => cache.EvictWhere(_ => true);
}
