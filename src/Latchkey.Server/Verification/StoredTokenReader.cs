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
/// cached answers; here a miss is a bind, a step and a read. On PostgreSQL, where each lookup is
/// a round trip, the misses that arrive while one lookup is out go together in the next. The SQL
/// names the same columns as <see cref="TokenLookup"/>'s projection, which a test holds side by side.
/// </summary>
internal sealed class StoredTokenReader : IDisposable
{
    /// <summary>What a miss reads: the token, its owner and organization, its parent, and a successor waiting for its first use.</summary>
    private const string Select = """
        SELECT "a"."Id", "a"."Name", "a"."ExpiresAt", "a"."RevokedAt", "a"."Scopes", "a"."UserId", "u"."Email", "u"."DisplayName",
               "u"."IsActive", "a"."OrganizationId", "o"."Slug", "o"."Name", "a"."AllowedCidrs", "a"."ReplacedByTokenId", "a"."RetiresAt",
               "a"."RevocationReason", "a"."CreatedVia", "a"."SecretDigest", "a"."ParentTokenId", "p"."SecretDigest", "p"."RevokedAt",
               "p"."ExpiresAt", "p"."RetiresAt",
               (SELECT "s"."Id" FROM "AccessTokens" AS "s"
                 WHERE "s"."ReplacedByTokenId" = "a"."Id" AND "s"."RevokedAt" IS NULL AND "s"."RetiresAt" IS NULL LIMIT 1),
               "a"."DigestKeyId"
        FROM "AccessTokens" AS "a"
        LEFT JOIN "AccessTokens" AS "p" ON "a"."ParentTokenId" = "p"."Id"
        INNER JOIN "Users" AS "u" ON "a"."UserId" = "u"."Id"
        INNER JOIN "Organizations" AS "o" ON "u"."OrganizationId" = "o"."Id"

        """;

    /// <summary>One digest (SQLite: in the process, a lookup costs no round trip).</summary>
    private const string One = Select + """WHERE "a"."SecretDigest" = @digest AND "a"."DigestKeyId" = @keyId LIMIT 1""";

    /// <summary>Every digest waiting at once (PostgreSQL: one round trip for all the misses that came while the last one was out).</summary>
    private const string Many = Select + """WHERE "a"."SecretDigest" = ANY(@digests)""";

    /// <summary>At most this many digests go in one PostgreSQL lookup.</summary>
    private const int BatchLimit = 256;

    /// <summary>PostgreSQL lookups out at once: enough to keep the round trips overlapping, few enough that misses still batch.</summary>
    private const int Pumps = 4;

    /// <summary>Open connections with the statement prepared, for the next miss. More than this many at once are closed after use.</summary>
    private const int Kept = 4;

    private readonly ConcurrentBag<Session> idle = [];
    private readonly ConcurrentQueue<Pending> waiting = new();
    private readonly IDbContextFactory<LatchkeyDbContext> store;
    private readonly Lazy<(string ConnectionString, bool Postgres, string? File)> target;
    private int idleCount;
    private int pumps;
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

    /// <summary>Lookups sent to the store since start (a batch counts once): what tests count as store lookups.</summary>
    public long Lookups => Interlocked.Read(ref lookups);

    public Task<TokenLookup.TokenRow?> FindByDigestAsync(byte[] digest, string keyId, CancellationToken cancellationToken = default)
    {
        if (!target.Value.Postgres)
        {
            return FindOneAsync(digest, keyId, cancellationToken);
        }

        var pending = new Pending(digest, keyId);
        waiting.Enqueue(pending);
        if (Interlocked.Increment(ref pumps) <= Pumps)
        {
            _ = Task.Run(PumpAsync, CancellationToken.None);
        }
        else
        {
            Interlocked.Decrement(ref pumps);
        }

        return pending.Row.Task.WaitAsync(cancellationToken);
    }

    private async Task<TokenLookup.TokenRow?> FindOneAsync(byte[] digest, string keyId, CancellationToken cancellationToken)
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

    /// <summary>
    /// Sends what is waiting as one lookup, then what came meanwhile, until nothing waits. A few
    /// pumps run at once: a miss alone goes out at once, and a rush of misses (a cold cache after a
    /// failover) costs one round trip per batch instead of one per token.
    /// </summary>
    private async Task PumpAsync()
    {
        var batch = new List<Pending>(BatchLimit);
        while (true)
        {
            batch.Clear();
            while (batch.Count < BatchLimit && waiting.TryDequeue(out var next))
            {
                batch.Add(next);
            }

            if (batch.Count == 0)
            {
                Interlocked.Decrement(ref pumps);
                // A miss that came after the last dequeue, while every pump was still counted, started none of its own.
                if (waiting.IsEmpty)
                {
                    return;
                }

                if (Interlocked.Increment(ref pumps) > Pumps)
                {
                    Interlocked.Decrement(ref pumps);
                    return;
                }

                continue;
            }

            Session? session = null;
            try
            {
                session = Take() ?? await OpenAsync(CancellationToken.None).ConfigureAwait(false);
                Interlocked.Increment(ref lookups);
                var rows = await session.ReadManyAsync(batch).ConfigureAwait(false);
                Return(session);
                foreach (var pending in batch)
                {
                    pending.Row.TrySetResult(rows.TryGetValue(Convert.ToHexString(pending.Digest), out var row) && row.KeyId == pending.KeyId ? row.Row : null);
                }
            }
            catch (Exception e)
            {
                session?.Dispose();
                foreach (var pending in batch)
                {
                    pending.Row.TrySetException(e);
                }
            }
        }
    }

    private sealed class Pending(byte[] digest, string keyId)
    {
        public byte[] Digest { get; } = digest;

        public string KeyId { get; } = keyId;

        public TaskCompletionSource<TokenLookup.TokenRow?> Row { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
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
                // A kept connection keeps its page cache: 1 MiB each bounds what they hold together
                // (SQLite's default of 2 MiB a connection grew with the file under churn).
                pragma.CommandText = Data.Store.SqliteBusyTimeout + " PRAGMA cache_size=-1024;";
                await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (postgres)
            {
                var many = connection.CreateCommand();
                many.CommandText = Many;
                var digests = many.CreateParameter();
                digests.ParameterName = "digests";
                digests.Value = new[] { Array.Empty<byte>() };
                many.Parameters.Add(digests);
                await many.PrepareAsync(cancellationToken).ConfigureAwait(false);
                return new Session(connection, many, digests, null, postgres);
            }

            var command = connection.CreateCommand();
            command.CommandText = One;
            var digest = command.CreateParameter();
            digest.ParameterName = "digest";
            digest.DbType = DbType.Binary;
            var keyId = command.CreateParameter();
            keyId.ParameterName = "keyId";
            keyId.DbType = DbType.String;
            command.Parameters.Add(digest);
            command.Parameters.Add(keyId);
            return new Session(connection, command, digest, keyId, postgres);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private sealed class Session(DbConnection connection, DbCommand command, DbParameter digest, DbParameter? keyId, bool postgres) : IDisposable
    {
        public async Task<TokenLookup.TokenRow?> ReadAsync(byte[] digestValue, string keyIdValue, CancellationToken cancellationToken)
        {
            digest.Value = digestValue;
            keyId!.Value = keyIdValue;
            var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Row(reader) : null;
            }
        }

        /// <summary>The rows of a batch by digest (hex), each with the key id it is stored under.</summary>
        public async Task<Dictionary<string, (TokenLookup.TokenRow Row, string KeyId)>> ReadManyAsync(List<Pending> batch)
        {
            digest.Value = batch.Select(p => p.Digest).ToArray();
            var rows = new Dictionary<string, (TokenLookup.TokenRow, string)>(batch.Count, StringComparer.Ordinal);
            var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    var row = Row(reader);
                    rows[Convert.ToHexString(row.SecretDigest)] = (row, reader.GetString(24));
                }
            }

            return rows;
        }

        private TokenLookup.TokenRow Row(DbDataReader reader) => new()
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
