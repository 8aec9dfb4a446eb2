using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Latchkey.Data.Postgres;

public static class PostgresStore
{
    public static DbContextOptionsBuilder UseLatchkeyPostgres(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(typeof(PostgresStore).Assembly.GetName().Name));
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
