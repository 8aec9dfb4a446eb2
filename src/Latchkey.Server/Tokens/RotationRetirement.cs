using System.Collections.Concurrent;
using System.Net;
using Latchkey.Data;
using Latchkey.Server.Notifications;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>
/// The two moments of a rotation that happen while a token is verified: the replacement's first
/// use retires the old token (for a rotation without grace period), and a retired token presented
/// again is reported to its owner, once. Neither may turn a good answer into a failure: when the
/// store cannot take the change now, the lifecycle job or the next use does it.
/// </summary>
internal sealed class RotationRetirement(
    IDbContextFactory<LatchkeyDbContext> store, TokenRevocation revocation, OwnerNotices notices, VerificationCache cache,
    TimeProvider time, ILogger<RotationRetirement> logger)
{
    public const string ReuseKind = "token.reused-after-rotation";
    private const int Remembered = 10_000;

    private readonly ConcurrentDictionary<string, byte> retired = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> reported = new(StringComparer.Ordinal);

    /// <summary>Retires <paramref name="replacement"/>'s predecessor, then makes this process read the replacement again (without the duty).</summary>
    public async Task RetirePredecessorAsync(TokenGrant replacement, TokenDigest digest)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        var old = replacement.RetiresOnFirstUse!;
        if (!Remember(retired, old))
        {
            // Another use is at it, or it is done: that one evicts the replacement when it has finished.
            return;
        }

        try
        {
            var db = await store.CreateDbContextAsync().ConfigureAwait(false);
            await using (db.ConfigureAwait(false))
            {
                await revocation.RetireAsync(db, old, TokenRotation.RevocationReason, $"replaced by {replacement.TokenId}, which has now been used",
                    t => t.ReplacedByTokenId == replacement.TokenId, alongside: null, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            retired.TryRemove(old, out _);
            Log.RetirementDeferred(logger, old, e);
            return;
        }

        cache.Evict(digest);
    }

    /// <summary>Tells the owner, once per token, that a retired token was presented (from where, at which door).</summary>
    public async Task ReportReuseAsync(RetiredTokenUse reuse, Door door, IPAddress? source)
    {
        ArgumentNullException.ThrowIfNull(reuse);
        // Every attempt is in the audit log; the process log and the owner hear of it once.
        if (!Remember(reported, reuse.TokenId))
        {
            return;
        }

        Log.RotatedTokenReused(logger, reuse.TokenId);
        var text = $"""
            Your token "{reuse.TokenName}" (id {reuse.TokenId}) was replaced by rotation{(reuse.ReplacedBy is null ? "" : $" (its replacement is {reuse.ReplacedBy})")} and has stopped working. At {time.GetUtcNow():yyyy-MM-dd HH:mm} UTC it was presented again at the {door.Name()} door from {source?.ToString() ?? "an unknown address"}, and refused.

            If you did not expect this, something still holds the old secret: a forgotten script, a copied kubeconfig, or someone who should not have it. Find and update it; if the old secret may have leaked, check the new token's recent uses and revoke it too if in doubt.
            """;
        try
        {
            await notices.TryQueueAsync(reuse.OrganizationId, reuse.UserId, reuse.TokenId, ReuseKind, $"token.reused:{reuse.TokenId}",
                $"A replaced token \"{reuse.TokenName}\" was used again", text).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            reported.TryRemove(reuse.TokenId, out _);
            Log.NoticeNotQueued(logger, ReuseKind, e);
        }
    }

    private static bool Remember(ConcurrentDictionary<string, byte> seen, string id)
    {
        if (seen.Count >= Remembered)
        {
            // Forgetting costs one more store round trip at worst; the store keeps each change to once.
            seen.Clear();
        }

        return seen.TryAdd(id, 0);
    }
}
