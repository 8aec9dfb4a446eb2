using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Npgsql;

namespace Latchkey.Data.Postgres;

public static class PostgresStore
{
    /// <summary>How many distinct statements each connection keeps prepared when the operator has not said.</summary>
    public const int DefaultMaxAutoPrepare = 64;

    /// <summary>How many connections one replica opens at most when the operator has not said.</summary>
    public const int DefaultMaxPoolSize = 20;

    /// <summary>Seconds to open a connection when the operator has not said (Npgsql's own default is 15).</summary>
    public const int DefaultConnectTimeout = 3;

    /// <summary>Seconds a command may wait for the server when the operator has not said (Npgsql's own default is 30).</summary>
    public const int DefaultCommandTimeout = 5;

    /// <summary>
    /// Changes saved together go as one batch however few they are (<c>MinBatchSize(1)</c>): one
    /// round trip, and without an explicit transaction still all or nothing, since PostgreSQL runs
    /// a batch as one implicit transaction.
    /// </summary>
    public static DbContextOptionsBuilder UseLatchkeyPostgres(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(Tuned(connectionString), npgsql => npgsql.MigrationsAssembly(typeof(PostgresStore).Assembly.GetName().Name).MinBatchSize(1));

    /// <summary>
    /// The operator's connection string, with three defaults for what they left out. Latchkey sends
    /// the same few statements all day (EF Core writes the same SQL for every creation), so each
    /// connection prepares them once instead of PostgreSQL parsing and planning each again
    /// (<c>Max Auto Prepare</c>). A connection taken from the pool is not reset first
    /// (<c>No Reset On Close</c>): Latchkey never changes session state on a pooled connection
    /// (its one LISTEN has a connection of its own, its one advisory lock is released in a
    /// <c>finally</c>), so the reset would be a round trip for nothing on every request. And one
    /// replica opens at most <see cref="DefaultMaxPoolSize"/> connections (<c>Max Pool Size</c>,
    /// Npgsql's own default is 100): a busy replica's requests then wait their turn in the pool
    /// instead of as many PostgreSQL backends fighting over the database's cores (on two cores,
    /// creation at 64 concurrent clients went from 1,540/s with a p99 of 770 ms to 2,650/s and
    /// 54 ms), and four replicas still fit in PostgreSQL's default <c>max_connections</c> of 100.
    /// Connections open within <see cref="DefaultConnectTimeout"/> seconds and commands answer within
    /// <see cref="DefaultCommandTimeout"/> (<c>Timeout</c>, <c>Command Timeout</c>): a database behind
    /// a stalled network then frees the connections and threads of the requests it holds within
    /// seconds, not the half minute of Npgsql's defaults (each request itself is answered within its
    /// budget anyway). Latchkey's statements take milliseconds; migrations set their own, longer timeout.
    /// </summary>
    public static string Tuned(string connectionString)
    {
        // The keywords the operator wrote, in any spelling (spaces and case aside).
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }

        if (!given.Contains("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        if (!given.Contains("MaximumPoolSize") && !given.Contains("MaxPoolSize"))
        {
            builder.MaxPoolSize = DefaultMaxPoolSize;
        }

        if (!given.Contains("Timeout"))
        {
            builder.Timeout = DefaultConnectTimeout;
        }

        if (!given.Contains("CommandTimeout"))
        {
            builder.CommandTimeout = DefaultCommandTimeout;
        }

        return builder.ConnectionString;
    }
}

/// <summary>Lets <c>dotnet ef</c> build the model without a server (generating migrations needs no connection).</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<LatchkeyDbContext>
{
    public LatchkeyDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<LatchkeyDbContext>();
        options.UseLatchkeyPostgres("Host=localhost;Database=latchkey_design");
        return new LatchkeyDbContext(options.Options);
    }
}
