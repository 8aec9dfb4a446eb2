using Latchkey.Data;
using Latchkey.Server.Tokens;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Lifecycle;

/// <summary>
/// Writes down the end of rotated tokens: grace periods that are over, and "until first use"
/// tokens whose replacement has been used (normally retired at that use already). Verification
/// does not wait for this: it refuses a token whose grace has ended by itself. Safe on several
/// replicas: each revocation is a conditional update, so it happens once.
/// </summary>
internal sealed class RotationSweep(IDbContextFactory<LatchkeyDbContext> store, TokenRevocation revocation, TimeProvider time)
{
    private const int Batch = 500;

    /// <returns>How many tokens this run revoked.</returns>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var due = await db.AccessTokens.AsNoTracking()
                .Where(t => t.RevokedAt == null && t.ReplacedByTokenId != null
                    && (t.RetiresAt <= now || (t.RetiresAt == null && db.AccessTokens.Any(n => n.Id == t.ReplacedByTokenId && n.LastUsedAt != null))))
                .OrderBy(t => t.Id)
                .Select(t => new { t.Id, t.ReplacedByTokenId, t.RetiresAt })
                .Take(Batch)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var revoked = 0;
            foreach (var token in due)
            {
                var detail = token.RetiresAt is { } end
                    ? $"replaced by {token.ReplacedByTokenId}; grace period ended {end:O}"
                    : $"replaced by {token.ReplacedByTokenId}, which has been used";
                var successor = token.ReplacedByTokenId;
                if (await revocation.RetireAsync(db, token.Id, TokenRotation.RevocationReason, detail, t => t.ReplacedByTokenId == successor,
                    alongside: null, cancellationToken).ConfigureAwait(false))
                {
                    revoked++;
                }
            }

            return revoked;
        }
    }
}
