using BenchmarkDotNet.Attributes;
using Latchkey.Core.Tokens;
using Latchkey.Data;
using Latchkey.Server;
using Latchkey.Server.Data;
using Latchkey.Server.Tokens;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Latchkey.Bench;

/// <summary>
/// The whole verification path in-process, on a real SQLite store in a temp folder: a cached
/// token, an uncached one (evicted before each call, so every call is a store lookup), garbage.
/// </summary>
[MemoryDiagnoser]
public class VerificationBenchmarks
{
    private WebApplication app = null!;
    private TokenVerifier verifier = null!;
    private VerificationCache cache = null!;
    private string secret = null!;
    private TokenDigest digest;
    private string dataDir = null!;
    private static readonly System.Net.IPAddress Loopback = System.Net.IPAddress.Loopback;
    private readonly string garbage = TokenFormat.Generate()[..^6] + "000000";

    [GlobalSetup]
    public async Task SetUp()
    {
        dataDir = Directory.CreateTempSubdirectory("latchkey-bench-").FullName;
        app = LatchkeyHost.Create([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Latchkey:DataDir"] = dataDir,
                ["Latchkey:Bootstrap:AdminPassword"] = "bench-password",
            });
            builder.Logging.ClearProviders();
        });
        await app.PrepareStoreAsync();

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
        var owner = await db.Users.Include(u => u.Organization).FirstAsync();
        var issuer = app.Services.GetRequiredService<TokenIssuer>();
        var audit = app.Services.GetRequiredService<Latchkey.Server.Audit.AuditLog>();
        async Task<IssuedToken> IssueAsync(string name) => (await issuer.IssueAsync(db, owner.OrganizationId, owner.Id,
            new TokenDraft(name, null, DateTimeOffset.UtcNow.AddDays(30), "bench"), t => audit.Event("token.create", "success", owner.OrganizationId, "token", t.Id),
            CancellationToken.None)).Value!;

        // A store of a realistic size: the lookup is an index seek among many tokens.
        for (var i = 0; i < 10_000; i++)
        {
            await IssueAsync($"filler {i}");
        }

        var (token, text) = await IssueAsync("bench");

        secret = text;
        digest = TokenDigest.FromBytes(token.SecretDigest);
        verifier = app.Services.GetRequiredService<TokenVerifier>();
        cache = app.Services.GetRequiredService<VerificationCache>();
    }

    [GlobalCleanup]
    public async Task TearDown()
    {
        await app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dataDir, recursive: true);
    }

    // A cached or garbage token completes synchronously: no await, nothing added to what is measured.
    [Benchmark(Baseline = true)]
    public bool CachedToken() => verifier.VerifyAsync(secret, Door.Api, Loopback).GetAwaiter().GetResult().Grant is not null;

    [Benchmark]
    public async Task<bool> UncachedToken()
    {
        cache.Evict(digest);
        return (await verifier.VerifyAsync(secret, Door.Api, Loopback)).Grant is not null;
    }

    [Benchmark]
    public bool GarbageToken() => verifier.VerifyAsync(garbage, Door.Api, Loopback).GetAwaiter().GetResult().Grant is null;
}
