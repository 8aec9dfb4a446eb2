using Latchkey.Data.Postgres;
using Npgsql;

namespace Latchkey.Server.Tests.Data;

/// <summary>The defaults Latchkey adds to an operator's PostgreSQL connection string, and that what the operator wrote wins.</summary>
public class PostgresConnectionTests
{
    [Fact]
    public void Statements_are_prepared_and_pooled_connections_not_reset_unless_the_operator_says_otherwise()
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresStore.Tuned("Host=db.internal;Database=latchkey;Username=latchkey"));
        Assert.Equal(PostgresStore.DefaultMaxAutoPrepare, tuned.MaxAutoPrepare);
        Assert.True(tuned.NoResetOnClose);
        Assert.Equal(PostgresStore.DefaultMaxPoolSize, tuned.MaxPoolSize);
        Assert.Equal("db.internal", tuned.Host);
        Assert.Equal("latchkey", tuned.Database);
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0;No Reset On Close=false;Maximum Pool Size=100", 0, false, 100)]
    [InlineData("Host=db;MaxAutoPrepare=5;NoResetOnClose=false;MaxPoolSize=7", 5, false, 7)]
    [InlineData("Host=db;max auto prepare=7;maximum pool size=50", 7, true, 50)]
    public void What_the_operator_wrote_is_kept(string connectionString, int maxAutoPrepare, bool noResetOnClose, int maxPoolSize)
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresStore.Tuned(connectionString));
        Assert.Equal(maxAutoPrepare, tuned.MaxAutoPrepare);
        Assert.Equal(noResetOnClose, tuned.NoResetOnClose);
        Assert.Equal(maxPoolSize, tuned.MaxPoolSize);
    }

    [Fact]
    public void Connections_and_commands_time_out_within_seconds_unless_the_operator_says_otherwise()
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresStore.Tuned("Host=db.internal;Database=latchkey"));
        Assert.Equal(PostgresStore.DefaultConnectTimeout, tuned.Timeout);
        Assert.Equal(PostgresStore.DefaultCommandTimeout, tuned.CommandTimeout);

        // Zero is Npgsql's "wait forever": the operator's choice, kept like any other.
        var kept = new NpgsqlConnectionStringBuilder(PostgresStore.Tuned("Host=db;Timeout=20;Command Timeout=0"));
        Assert.Equal(20, kept.Timeout);
        Assert.Equal(0, kept.CommandTimeout);
        Assert.Equal(60, new NpgsqlConnectionStringBuilder(PostgresStore.Tuned("Host=db;commandtimeout=60")).CommandTimeout);
    }
}
