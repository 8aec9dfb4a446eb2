using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Latchkey.Data.Sqlite;

public static class SqliteStore
{
    public static DbContextOptionsBuilder UseLatchkeySqlite(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseSqlite(connectionString, sqlite => sqlite.MigrationsAssembly(typeof(SqliteStore).Assembly.GetName().Name));
}

/// <summary>Lets <c>dotnet ef</c> build the model without starting the server.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<LatchkeyDbContext>
{
    public LatchkeyDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<LatchkeyDbContext>();
        options.UseLatchkeySqlite("Data Source=design-time.db");
        return new LatchkeyDbContext(options.Options);
    }
}
