using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using Latchkey.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Latchkey.Server.Verification;

/// <summary>
/// Verification's store lookup by digest, the one query every cache miss runs: one statement,
/// prepared once and kept, on connections kept open for it. Through the ORM the same lookup
/// parses and plans its SQL and opens a connection on every miss, which made a miss cost three
/// cached answers; here a miss is a bind, a step and a read. The SQL names the same columns as
/// <see cref="TokenLookup"/>'s projection, which a test holds side by side.
/// </summary>
internal sealed class StoredTokenReader : IDisposable
{
    /// <summary>What a miss reads: the token, its owner and organization, its parent, and a successor waiting for its first use.</summary>
    internal const string Sql = """
        SELECT "a"."Id", "a"."Name", "a"."ExpiresAt", "a"."RevokedAt", "a"."Scopes", "a"."UserId", "u"."Email", "u"."DisplayName",
               "u"."IsActive", "a"."OrganizationId", "o"."Slug", "o"."Name", "a"."AllowedCidrs", "a"."ReplacedByTokenId", "a"."RetiresAt",
               "a"."RevocationReason", "a"."CreatedVia", "a"."SecretDigest", "a"."ParentTokenId", "p"."SecretDigest", "p"."RevokedAt",
               "p"."ExpiresAt", "p"."RetiresAt",
               (SELECT "s"."Id" FROM "AccessTokens" AS "s"
                 WHERE "s"."ReplacedByTokenId" = "a"."Id" AND "s"."RevokedAt" IS NULL AND "s"."RetiresAt" IS NULL LIMIT 1)
        FROM "AccessTokens" AS "a"
        LEFT JOIN "AccessTokens" AS "p" ON "a"."ParentTokenId" = "p"."Id"
        INNER JOIN "Users" AS "u" ON "a"."UserId" = "u"."Id"
        INNER JOIN "Organizations" AS "o" ON "u"."OrganizationId" = "o"."Id"
        WHERE "a"."SecretDigest" = @digest AND "a"."DigestKeyId" = @keyId
        LIMIT 1
        """;

    /// <summary>Open connections with the statement prepared, for the next miss. More than this many at once are closed after use.</summary>
    private const int Kept = 8;

    private readonly ConcurrentBag<Session> idle = [];
    private readonly IDbContextFactory<LatchkeyDbContext> store;
    private readonly Lazy<(string ConnectionString, bool Postgres, string? File)> target;
    private int idleCount;
    private long lookups;

    public StoredTokenReader(IDbContextFactory<LatchkeyDbContext> store)
    {
        this.store = store;
        target = new(() =>
        {
            using var db = store.CreateDbContext();
            var connectionString = db.Database.GetConnectionString()
                ?? throw new InvalidOperationException("The store has no connection string.");
            var postgres = db.Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) == true;
            var file = postgres ? null : new SqliteConnectionStringBuilder(connectionString).DataSource;
            return (connectionString, postgres, file is null or "" or ":memory:" ? null : Path.GetFullPath(file));
        });
    }

    /// <summary>Lookups sent to the store since start (what a cache miss costs, for tests and metrics).</summary>
    public long Lookups => Interlocked.Read(ref lookups);

    public async Task<TokenLookup.TokenRow?> FindByDigestAsync(byte[] digest, string keyId, CancellationToken cancellationToken = default)
    {
        var session = Take() ?? await OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Interlocked.Increment(ref lookups);
            var row = await session.ReadAsync(digest, keyId, cancellationToken).ConfigureAwait(false);
            Return(session);
            return row;
        }
        catch
        {
            // A connection that failed once is not trusted again; the next miss opens a new one.
            session.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        while (idle.TryTake(out var session))
        {
            Interlocked.Decrement(ref idleCount);
            session.Dispose();
        }
    }

    private Session? Take()
    {
        while (idle.TryTake(out var session))
        {
            Interlocked.Decrement(ref idleCount);
            // A SQLite file moved or deleted under an open connection would still answer from the
            // old file: the store is gone, and a miss must find that out as a fresh open would.
            if (target.Value.File is not { } file || File.Exists(file))
            {
                return session;
            }

            session.Dispose();
            Dispose();
        }

        return null;
    }

    private void Return(Session session)
    {
        if (Interlocked.Increment(ref idleCount) > Kept)
        {
            Interlocked.Decrement(ref idleCount);
            session.Dispose();
            return;
        }

        idle.Add(session);
    }

    private async Task<Session> OpenAsync(CancellationToken cancellationToken)
    {
        var (connectionString, postgres, _) = target.Value;
        DbConnection connection = postgres ? new NpgsqlConnection(connectionString) : new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (connection is SqliteConnection)
            {
                using var pragma = connection.CreateCommand();
                pragma.CommandText = "PRAGMA busy_timeout=5000;";
                await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var command = connection.CreateCommand();
            command.CommandText = Sql;
            var digest = command.CreateParameter();
            digest.ParameterName = "digest";
            digest.DbType = DbType.Binary;
            var keyId = command.CreateParameter();
            keyId.ParameterName = "keyId";
            keyId.DbType = DbType.String;
            command.Parameters.Add(digest);
            command.Parameters.Add(keyId);
            if (postgres)
            {
                digest.Value = Array.Empty<byte>();
                keyId.Value = string.Empty;
                await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            }

            return new Session(connection, command, digest, keyId, postgres);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private sealed class Session(DbConnection connection, DbCommand command, DbParameter digest, DbParameter keyId, bool postgres) : IDisposable
    {
        public async Task<TokenLookup.TokenRow?> ReadAsync(byte[] digestValue, string keyIdValue, CancellationToken cancellationToken)
        {
            digest.Value = digestValue;
            keyId.Value = keyIdValue;
            var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                return new TokenLookup.TokenRow
                {
                    Id = reader.GetString(0),
                    Name = reader.GetString(1),
                    ExpiresAt = Time(reader, 2),
                    RevokedAt = Time(reader, 3),
                    Scopes = Text(reader, 4),
                    UserId = reader.GetGuid(5),
                    Email = reader.GetString(6),
                    DisplayName = reader.GetString(7),
                    UserActive = reader.GetBoolean(8),
                    OrganizationId = reader.GetGuid(9),
                    OrganizationSlug = reader.GetString(10),
                    OrganizationName = reader.GetString(11),
                    AllowedCidrs = Text(reader, 12),
                    ReplacedByTokenId = Text(reader, 13),
                    RetiresAt = Time(reader, 14),
                    RevocationReason = Text(reader, 15),
                    CreatedVia = reader.GetString(16),
                    SecretDigest = reader.GetFieldValue<byte[]>(17),
                    ParentTokenId = Text(reader, 18),
                    ParentDigest = reader.IsDBNull(19) ? null : reader.GetFieldValue<byte[]>(19),
                    ParentRevokedAt = Time(reader, 20),
                    ParentExpiresAt = Time(reader, 21),
                    ParentRetiresAt = Time(reader, 22),
                    RetiresOnFirstUse = Text(reader, 23),
                };
            }
        }

        public void Dispose()
        {
            command.Dispose();
            connection.Dispose();
        }

        private static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

        // The SQLite schema keeps times as UTC ticks (see LatchkeyDbContext); PostgreSQL as timestamptz.
        private DateTimeOffset? Time(DbDataReader reader, int ordinal) =>
            reader.IsDBNull(ordinal) ? null
            : postgres ? reader.GetFieldValue<DateTimeOffset>(ordinal)
            : new DateTimeOffset(reader.GetInt64(ordinal), TimeSpan.Zero);
    }
}
