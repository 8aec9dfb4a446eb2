using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests.Data;

public class MigrationTests
{
    [Fact]
    public async Task The_migrations_of_this_provider_match_the_model()
    {
        await using var app = await TestApp.StartAsync();

        Assert.False(await app.WithStoreAsync(db => Task.FromResult(db.Database.HasPendingModelChanges())),
            $"the {TestApp.Provider} migrations lag behind the model: add a migration");
        Assert.Empty(await app.WithStoreAsync(db => db.Database.GetPendingMigrationsAsync()));
    }
}
