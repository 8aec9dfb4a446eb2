using System.Security.Cryptography;
using Latchkey.Core.Tokens;
using Latchkey.Data;
using Latchkey.Data.Postgres;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Observability;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tokens;

/// <summary>What a new token is to be, before the issuer has checked and bounded it.</summary>
/// <param name="CreatedVia">How it came to be: api, console, cli, login, rotation or <see cref="Lineage.ExecCredential"/>.</param>
/// <param name="Parent">The verified token it is made from, for a child that must die with it (<see cref="Lineage"/>).</param>
internal sealed record TokenDraft(string Name, string? Note, DateTimeOffset? ExpiresAt, string CreatedVia, TokenScopeSet? Scopes = null,
    string? AllowedCidrs = null, TokenGrant? Parent = null);

/// <summary>A token just written, with the secret to show once.</summary>
internal sealed record IssuedToken(AccessToken Token, string Secret);

/// <summary>
/// Where every token comes from (created, signed in, rotated, exec credential): the
/// organization's token policy, the lineage bounds, a fresh secret and its digest, the row and
/// its audit event committed together, the log line and the metric. The secret is returned and
/// kept nowhere.
/// </summary>
internal sealed class TokenIssuer(TokenKeyRing keys, OrganizationCache organizations, LatchkeyMetrics metrics, TimeProvider time, ILogger<TokenIssuer> logger)
{
    /// <summary>How a sign-in token is marked (the API's password login).</summary>
    public const string SignIn = "login";

    private const string IdAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
    private const int IdLength = 16;

    /// <param name="auditEvent">The event that records the new token (it knows the token's id).</param>
    /// <param name="alongside">
    /// A change that must commit with the token or not at all (a rotation claims its predecessor
    /// with a conditional update); its refusal rolls everything back.
    /// </param>
    public async Task<Outcome<IssuedToken>> IssueAsync(
        LatchkeyDbContext db, Guid organizationId, Guid userId, TokenDraft draft, Func<AccessToken, AuditEvent> auditEvent,
        CancellationToken cancellationToken, Func<AccessToken, Task<Refused?>>? alongside = null)
    {
        if (draft.Parent is { } parent)
        {
            if (parent.UserId != userId)
            {
                return Refused.Forbidden("A token can only be made from a token of the same owner.");
            }

            var bounded = Lineage.Bound(draft, parent);
            if (bounded.Refused is { } lineageRefusal)
            {
                return lineageRefusal;
            }

            draft = bounded.Value!;
        }

        var now = time.GetUtcNow();
        var organization = await organizations.GetAsync(organizationId, cancellationToken).ConfigureAwait(false);
        if (PolicyRefusal(draft, organization, now) is { } policyRefusal)
        {
            return policyRefusal;
        }

        var secret = TokenFormat.Generate();
        var token = new AccessToken
        {
            Id = RandomNumberGenerator.GetString(IdAlphabet, IdLength),
            OrganizationId = organizationId,
            UserId = userId,
            Name = draft.Name,
            Note = draft.Note,
            CreatedVia = draft.CreatedVia,
            CreatedAt = now,
            ExpiresAt = draft.ExpiresAt,
            Scopes = draft.Scopes?.ToStored(),
            AllowedCidrs = draft.AllowedCidrs,
            ParentTokenId = draft.Parent?.TokenId,
            SecretDigest = keys.Digest(secret).ToArray(),
            DigestKeyId = keys.CurrentKeyId,
        };

        if (alongside is null)
        {
            db.AccessTokens.Add(token);
            db.AuditEvents.Add(auditEvent(token));
            await SaveTogetherAsync(db, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                if (await alongside(token).ConfigureAwait(false) is { } refused)
                {
                    await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    db.ChangeTracker.Clear();
                    return refused;
                }

                db.AccessTokens.Add(token);
                db.AuditEvents.Add(auditEvent(token));
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        Log.TokenCreated(logger, token.Id, userId);
        metrics.TokenCreated();
        return new IssuedToken(token, secret);
    }

    /// <summary>
    /// The organization's token policy, for every way a token comes to be. Creation checks the
    /// same rules first with field-level messages; this is the one place none can get past.
    /// A sign-in token acts as the person signing in, like a console session: it is bound by the
    /// lifetime rules, and the scope rule binds every token made with it.
    /// </summary>
    private static Refused? PolicyRefusal(TokenDraft draft, Organization organization, DateTimeOffset now)
    {
        if (draft.ExpiresAt is not { } expiresAt)
        {
            return organization.AllowNoExpiration ? null
                : Refused.Invalid("noExpiration", $"Your organization requires tokens to expire, after at most {organization.MaxTokenLifetimeDays} days.");
        }

        if (expiresAt > now.AddDays(organization.MaxTokenLifetimeDays))
        {
            return Refused.Invalid("expiresAt", $"The token would live longer than {organization.MaxTokenLifetimeDays} days, your organization's maximum lifetime.");
        }

        if (draft.CreatedVia == SignIn || TokenScopeRules.MintableError(draft.Scopes, organization) is not { } mintable)
        {
            return null;
        }

        return draft.CreatedVia switch
        {
            TokenRotation.CreatedVia => Refused.Conflict($"This token cannot be rotated under your organization's token policy: {mintable.Message} Create a new token instead."),
            Lineage.ExecCredential => Refused.Forbidden($"No exec credential can be made under your organization's token policy: {mintable.Message}"),
            _ => Refused.Invalid(mintable.Field, mintable.Message),
        };
    }

    /// <summary>
    /// Writes the token and its audit event, both or neither. On PostgreSQL they go as one batch
    /// (<see cref="PostgresStore.UseLatchkeyPostgres"/> never splits one), which PostgreSQL runs as
    /// one implicit transaction: a failing statement rolls back the others. An explicit
    /// BEGIN/COMMIT around it would cost a round trip to the database and nothing else, and
    /// creation is the busiest write there is. SQLite keeps its transaction (its commands are local calls).
    /// </summary>
    private static async Task SaveTogetherAsync(LatchkeyDbContext db, CancellationToken cancellationToken)
    {
        if (!db.Database.IsNpgsql() || db.Database.CurrentTransaction is not null)
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var before = db.Database.AutoTransactionBehavior;
        db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            db.Database.AutoTransactionBehavior = before;
        }
    }
}
