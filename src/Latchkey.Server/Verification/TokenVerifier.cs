using System.Collections.Concurrent;
using System.Net;
using Latchkey.Core.Tokens;
using Latchkey.Data;
using Latchkey.Server.Observability;
using Latchkey.Server.Tokens;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Verification;

/// <summary>
/// The one path every door uses: format and checksum, digest, cache or store, then revoked,
/// expired, rotated, owner and network checks. Garbage never reaches the store; concurrent misses
/// for one digest share one store lookup; a store fault propagates (and becomes a 503), it never
/// becomes a "no".
/// </summary>
internal sealed class TokenVerifier(
    TokenKeyRing keys,
    VerificationCache cache,
    IDbContextFactory<LatchkeyDbContext> store,
    StoredTokenReader storedTokens,
    LastUsedRecorder lastUsed,
    UsageRecorder usage,
    RotationRetirement rotation,
    LatchkeyMetrics metrics,
    TimeProvider time)
{
    private readonly ConcurrentDictionary<TokenDigest, Lookup> inflight = new();

    /// <param name="door">Where the token was presented, for the usage counts.</param>
    /// <param name="source">The address the request reached Latchkey from (the client behind a trusted proxy): the allowlist is matched against it.</param>
    public ValueTask<Verification> VerifyAsync(string? token, Door door, IPAddress? source) => VerifyAsync(token, door, source, recordUse: true);

    /// <summary>
    /// Checks a token the caller holds without using it (a kubeconfig built for a token just
    /// created): no last-use, no usage count, and a replacement's first use is still to come.
    /// </summary>
    public ValueTask<Verification> InspectAsync(string? token, IPAddress? source) => VerifyAsync(token, Door.Api, source, recordUse: false);

    private async ValueTask<Verification> VerifyAsync(string? token, Door door, IPAddress? source, bool recordUse)
    {
        if (string.IsNullOrEmpty(token))
        {
            return Verification.Failed(VerificationFailure.Missing);
        }

        if (!TokenFormat.IsWellFormed(token))
        {
            return Verification.Failed(VerificationFailure.Malformed);
        }

        var digest = keys.Digest(token);
        if (cache.TryGet(digest, out var grant))
        {
            metrics.CacheHit();
        }
        else
        {
            metrics.CacheMiss();
            if (cache.IsRecentlyUnknown(digest))
            {
                return Verification.Failed(VerificationFailure.Unknown);
            }

            var found = await LookupOnceAsync(digest, token).ConfigureAwait(false);
            if (found.Grant is null)
            {
                if (recordUse && found.Retired is { } retired)
                {
                    await rotation.ReportReuseAsync(retired, door, source).ConfigureAwait(false);
                }

                return found;
            }

            grant = found.Grant;
        }

        return await AdmitAsync(grant, digest, door, source, recordUse).ConfigureAwait(false);
    }

    /// <summary>
    /// The token a SubjectAccessReview names by id (what TokenReview put in <c>extra</c>): the same
    /// rules and the same cache as a token presented in full, at the Kubernetes door. Its use was
    /// counted when TokenReview saw it, so nothing is recorded here.
    /// </summary>
    public async ValueTask<Verification> VerifyIdAsync(string tokenId, Guid organizationId, IPAddress? source)
    {
        if (cache.TryGetById(tokenId, out var digest, out var grant) && grant.OrganizationId == organizationId)
        {
            metrics.CacheHit();
            return await AdmitAsync(grant, digest, Door.Kubernetes, source, recordUse: false).ConfigureAwait(false);
        }

        metrics.CacheMiss();
        var generation = cache.Generation;
        var db = await store.CreateDbContextAsync().ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            if (await TokenLookup.FindById(db, tokenId, organizationId).ConfigureAwait(false) is not { } row)
            {
                return Verification.Failed(VerificationFailure.Unknown);
            }

            var judged = TokenLookup.Judge(row, time.GetUtcNow());
            if (judged.Grant is not { } found)
            {
                return judged;
            }

            // Cached under the digest in the store, which is what revocation evicts.
            digest = TokenDigest.FromBytes(row.SecretDigest);
            cache.Set(digest, found, generation);
            return await AdmitAsync(found, digest, Door.Kubernetes, source, recordUse: false).ConfigureAwait(false);
        }
    }

    /// <summary>What holds for a live token at the moment of use, cached or not: its door, its expiry, its rotation's grace, its networks.</summary>
    private async ValueTask<Verification> AdmitAsync(TokenGrant grant, TokenDigest digest, Door door, IPAddress? source, bool recordUse)
    {
        // An exec credential is for kubectl and one cluster: the API, forward-auth and sign-in never accept it.
        if (grant.KubernetesOnly && door != Door.Kubernetes)
        {
            return new Verification(null, VerificationFailure.WrongDoor, grant.TokenId, grant.OrganizationId);
        }

        var now = time.GetUtcNow();
        if (grant.ExpiresAt <= now)
        {
            return new Verification(null, VerificationFailure.Expired, grant.TokenId, grant.OrganizationId);
        }

        // A rotated token's grace ends at an exact time, whether or not the lifecycle job has written the revocation yet.
        if (grant.RetiresAt <= now)
        {
            var retired = new RetiredTokenUse(grant.TokenId, grant.TokenName, grant.UserId, grant.OrganizationId, grant.ReplacedBy);
            if (recordUse)
            {
                await rotation.ReportReuseAsync(retired, door, source).ConfigureAwait(false);
            }

            return new Verification(null, VerificationFailure.Revoked, grant.TokenId, grant.OrganizationId, retired);
        }

        if (grant.Networks is { } networks && !TokenNetworks.Allows(networks, source))
        {
            return new Verification(null, VerificationFailure.NetworkDenied, grant.TokenId, grant.OrganizationId);
        }

        if (!recordUse)
        {
            return Verification.Valid(grant);
        }

        if (grant.RetiresOnFirstUse is not null)
        {
            await rotation.RetirePredecessorAsync(grant, digest).ConfigureAwait(false);
        }

        lastUsed.Record(grant.TokenId, now, source);
        usage.Record(grant.TokenId, door, now, source);
        return Verification.Valid(grant);
    }

    /// <summary>
    /// One store lookup for concurrent misses of one digest. Those who come later await the first
    /// one's answer without holding a thread (the SQLite provider runs queries synchronously), and
    /// only join a lookup that began after the cache's last eviction: a request that arrives after
    /// a revocation never gets an answer read before it.
    /// </summary>
    private async Task<Verification> LookupOnceAsync(TokenDigest digest, string token)
    {
        var generation = cache.Generation;
        var mine = new Lookup(generation);
        while (inflight.GetOrAdd(digest, mine) is var running && running != mine)
        {
            if (running.Generation == generation)
            {
                return await running.Answer.Task.ConfigureAwait(false);
            }

            // Begun before an eviction: this request starts its own (the stale one still answers those who joined it).
            if (inflight.TryUpdate(digest, mine, running))
            {
                break;
            }
        }

        try
        {
            var answer = await LookupAsync(digest, token).ConfigureAwait(false);
            mine.Answer.SetResult(answer);
            return answer;
        }
        catch (Exception e)
        {
            mine.Answer.SetException(e);
            _ = mine.Answer.Task.Exception; // observed here: the waiters get it, nobody else needs to
            throw;
        }
        finally
        {
            inflight.TryRemove(KeyValuePair.Create(digest, mine));
        }
    }

    private sealed class Lookup(long generation)
    {
        public long Generation { get; } = generation;

        public TaskCompletionSource<Verification> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private async Task<Verification> LookupAsync(TokenDigest digest, string token)
    {
        var generation = cache.Generation;
        var row = await storedTokens.FindByDigestAsync(digest.ToArray(), keys.CurrentKeyId).ConfigureAwait(false);
        TokenDigest? stored = null;
        foreach (var (keyId, key) in keys.OlderKeys)
        {
            if (row is not null)
            {
                break;
            }

            var older = TokenDigest.Compute(key, token);
            row = await storedTokens.FindByDigestAsync(older.ToArray(), keyId).ConfigureAwait(false);
            stored = row is null ? null : older;
        }

        if (row is null)
        {
            cache.RememberUnknown(digest);
            return Verification.Failed(VerificationFailure.Unknown);
        }

        var judged = TokenLookup.Judge(row, time.GetUtcNow());
        if (judged.Grant is not { } grant)
        {
            return judged;
        }

        if (stored is { } olderDigest)
        {
            // Revocation evicts by the digest in the store: the cache links it to this one.
            cache.SetStoredUnderOlderKey(digest, olderDigest, grant, generation);
        }
        else
        {
            cache.Set(digest, grant, generation);
        }

        return Verification.Valid(grant);
    }
}
