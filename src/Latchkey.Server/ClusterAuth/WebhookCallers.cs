using System.Linq.Expressions;
using Latchkey.Core.Tokens;
using Latchkey.Data;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.ClusterAuth;

/// <summary>The cluster a webhook call comes from, as its credential says, and until when that credential works.</summary>
internal sealed record WebhookCaller(Guid ClusterId, Guid OrganizationId, string ClusterName, string Audience, Guid CredentialId, DateTimeOffset ExpiresAt);

/// <summary>
/// Issues and checks the credentials that API servers use to call the webhooks. Without a live one
/// (not revoked, not expired) a webhook answers 401: a TokenReview endpoint open to the world would
/// be a token-guessing oracle.
/// </summary>
internal sealed class WebhookCallers(
    TokenKeyRing keys, IDbContextFactory<LatchkeyDbContext> store, WebhookCredentialUses uses, IOptions<LatchkeyOptions> options, TimeProvider time, Data.FeedCurrency currency)
{
    private readonly ExpiringCache<TokenDigest, WebhookCaller> cache = new(time, TimeSpan.FromSeconds(60), 10_000, currency);

    private TimeSpan Lifetime => options.Value.WebhookCredentialLifetime;

    /// <summary>
    /// When a credential stops working. One made before credentials expired (no ExpiresAt) lasts
    /// the lifetime from its creation, so no credential works for ever.
    /// </summary>
    public DateTimeOffset ExpiresAt(ClusterCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return credential.ExpiresAt ?? credential.CreatedAt + Lifetime;
    }

    /// <summary>A credential that works at <paramref name="now"/>: not revoked and not expired (by <see cref="ExpiresAt"/>).</summary>
    public Expression<Func<ClusterCredential, bool>> LiveAt(DateTimeOffset now)
    {
        var createdAfter = now - Lifetime;
        return c => c.RevokedAt == null && ((c.ExpiresAt != null && c.ExpiresAt > now) || (c.ExpiresAt == null && c.CreatedAt > createdAfter));
    }

    public async ValueTask<WebhookCaller?> AuthenticateAsync(HttpRequest request)
    {
        var secret = BearerHeader.Read(request);
        if (secret is null || !TokenFormat.IsWellFormed(secret))
        {
            return null;
        }

        var now = time.GetUtcNow();
        var digest = keys.Digest(secret);
        if (cache.TryGet(digest, out var caller))
        {
            // A remembered credential is trusted only until its own end, not the cache's.
            return Used(caller.ExpiresAt > now ? caller : null, now);
        }

        var generation = cache.Generation;
        var db = await store.CreateDbContextAsync().ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            // Credentials issued before a key rotation are stored under an older key.
            foreach (var (keyId, candidate) in keys.AllDigests(secret))
            {
                var bytes = candidate.ToArray();
                var found = await db.ClusterCredentials.AsNoTracking()
                    .Where(c => c.SecretDigest == bytes && c.DigestKeyId == keyId).Where(LiveAt(now))
                    .Select(c => new { c.ClusterId, c.OrganizationId, c.Cluster.Name, c.Cluster.Audience, c.Id, c.ExpiresAt, c.CreatedAt })
                    .SingleOrDefaultAsync().ConfigureAwait(false);
                if (found is not null)
                {
                    caller = new WebhookCaller(found.ClusterId, found.OrganizationId, found.Name, found.Audience, found.Id,
                        found.ExpiresAt ?? found.CreatedAt + Lifetime);
                    break;
                }
            }
        }

        if (caller is not null)
        {
            cache.Set(digest, caller, generation);
        }

        return Used(caller, now);
    }

    /// <summary>A new credential for the cluster, expiring after the lifetime. The secret is returned once and only its digest is kept.</summary>
    public (ClusterCredential Credential, string Secret) Issue(Cluster cluster, Guid issuedBy)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var secret = TokenFormat.Generate();
        var now = time.GetUtcNow();
        var credential = new ClusterCredential
        {
            Id = Guid.CreateVersion7(),
            ClusterId = cluster.Id,
            OrganizationId = cluster.OrganizationId,
            SecretDigest = keys.Digest(secret).ToArray(),
            DigestKeyId = keys.CurrentKeyId,
            CreatedAt = now,
            CreatedByUserId = issuedBy,
            ExpiresAt = now + Lifetime,
        };
        return (credential, secret);
    }

    /// <summary>After a cluster is removed (its credentials go with it) or one of its credentials is revoked.</summary>
    public void Forget(Guid clusterId) => cache.EvictWhere(c => c.ClusterId == clusterId);

    public void ForgetAll() => cache.EvictWhere(_ => true);

    private WebhookCaller? Used(WebhookCaller? caller, DateTimeOffset now)
    {
        if (caller is not null)
        {
            uses.Record(caller.CredentialId, now);
        }

        return caller;
    }
}
