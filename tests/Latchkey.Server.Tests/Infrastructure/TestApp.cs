using System.Net.Http.Headers;
using System.Net.Http.Json;
using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Latchkey.Server.Data;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>
/// One real Latchkey server per test: Kestrel on a loopback port, SQLite in a fresh temp folder,
/// a clock the test moves, every log line at Debug captured, every SQL command counted.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
#if POSTGRES
    public static string Provider { get; } = "postgres";
#else
    public static string Provider { get; } = "sqlite";
#endif

    public const string AdminEmail = "admin@example.test";
    public const string AdminPassword = "admin-password-for-tests";

    /// <summary>Settings for tests that play a proxy on the same host: X-Forwarded-For from loopback is believed (it is not by default).</summary>
    public static Dictionary<string, string?> BehindLocalProxy => new() { ["Latchkey:TrustedProxies:0"] = "127.0.0.1" };

    private readonly Dictionary<string, string?> settings;
    private WebApplication app;

    private readonly X509Certificate2? certificate;
    private PostgresServer? postgres;
    private string? database;
    private bool ownsStore = true;

    private TestApp(WebApplication app, string dataDir, FakeTimeProvider time, Dictionary<string, string?> settings, X509Certificate2? certificate)
    {
        this.app = app;
        DataDir = dataDir;
        Time = time;
        this.settings = settings;
        this.certificate = certificate;
        Traffic = new RecordingHandler(certificate);
    }

    public FakeTimeProvider Time { get; }
    public string DataDir { get; }
    public CapturedLogs Logs { get; } = new();
    public QueryCounter Queries { get; } = new();
    public RecordingHandler Traffic { get; }
    public Uri BaseAddress => new(app.Urls.First());
    public IServiceProvider Services => app.Services;

    /// <param name="https">Serve HTTPS with a self-signed certificate (published as Latchkey:PublicCertificateAuthorityData).</param>
    public static async Task<TestApp> StartAsync(Dictionary<string, string?>? extraSettings = null, bool https = false)
    {
        var certificate = https ? TestCertificate.Create() : null;
        var dataDir = Directory.CreateTempSubdirectory("latchkey-test-").FullName;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        var settings = new Dictionary<string, string?>
        {
            ["Latchkey:DataDir"] = dataDir,
            ["Latchkey:Bootstrap:AdminEmail"] = AdminEmail,
            ["Latchkey:Bootstrap:AdminPassword"] = AdminPassword,
            ["Latchkey:LoginAttemptsPerMinute"] = "1000",
            ["Latchkey:FailedAttemptsPerMinute"] = "100000",
            // Everything at Debug, including the framework, so that tests see every line a log could hold.
            ["Logging:LogLevel:Default"] = "Debug",
            ["Logging:LogLevel:Microsoft"] = "Debug",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Debug",
        };
        if (certificate is not null)
        {
            settings["Latchkey:PublicCertificateAuthorityData"] = TestCertificate.PemBase64(certificate);
        }

        // A loaded test machine compiles a cold query or hashes a password slower than a production
        // one: the budget's own tests (Faults/StoreHangTests) set it back to the 2 s default.
        settings["Latchkey:RequestBudget"] = "00:00:30";
        foreach (var (key, value) in extraSettings ?? [])
        {
            settings[key] = value;
        }

        var testApp = new TestApp(null!, dataDir, time, settings, certificate);
        if (Provider == "postgres")
        {
            testApp.postgres = await PostgresServer.GetAsync();
            testApp.database = await testApp.postgres.CreateDatabaseAsync();
            settings["Latchkey:Database:Provider"] = "postgres";
            settings["Latchkey:Database:ConnectionString"] = testApp.postgres.ConnectionString(testApp.database);
            // A loaded test machine can starve the change log's heartbeat for more than the default
            // second, and tests that count store lookups would then see cache bypasses. The tests of
            // the bound itself (ChangeLogTests) set it back to one second.
            settings.TryAdd("Latchkey:RevocationBound", "00:00:30");
        }

        testApp.app = await testApp.BootAsync();
        return testApp;
    }

    private async Task<WebApplication> BootAsync()
    {
        var web = LatchkeyHost.Create([], builder =>
        {
            if (certificate is null)
            {
                builder.WebHost.UseUrls("http://127.0.0.1:0");
            }
            else
            {
                builder.WebHost.UseUrls();
                builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
            }

            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.AddSingleton<TimeProvider>(Time);
            builder.Services.AddSingleton<IInterceptor>(Queries);
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddProvider(Logs);
        });
        await web.PrepareStoreAsync();
        await web.StartAsync();
        // A restarted app counts on from where the one before it stopped.
        var reader = web.Services.GetRequiredService<Latchkey.Server.Verification.StoredTokenReader>();
        var before = Queries.PreparedLookups?.Invoke() ?? 0;
        Queries.PreparedLookups = () => before + reader.Lookups;
        return web;
    }

    /// <summary>The store's connection string (PostgreSQL only).</summary>
    public string? ConnectionString => settings.GetValueOrDefault("Latchkey:Database:ConnectionString");

    /// <summary>A second server process on the same store (PostgreSQL), the same key and the same clock: a replica.</summary>
    /// <param name="overrides">Settings of the replica's own, such as a connection string through a <see cref="TcpProxy"/>.</param>
    public async Task<TestApp> StartReplicaAsync(Dictionary<string, string?>? overrides = null)
    {
        var replicaSettings = new Dictionary<string, string?>(settings);
        foreach (var (key, value) in overrides ?? [])
        {
            replicaSettings[key] = value;
        }

        var replica = new TestApp(null!, DataDir, Time, replicaSettings, certificate: null)
        {
            postgres = postgres,
            database = database,
            ownsStore = false,
        };
        replica.app = await replica.BootAsync();
        return replica;
    }

    /// <summary>Stops the server (letting it finish its writes) and starts a new one on the same data folder.</summary>
    public async Task RestartAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        app = await BootAsync();
    }

    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient(Traffic, disposeHandler: false) { BaseAddress = BaseAddress };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async Task<string> LoginAsync(string email = AdminEmail, string password = AdminPassword)
    {
        using var client = Client();
        var response = await client.PostAsJsonAsync("/api/v1/login", new LoginRequest(email, password));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<LoginResponse>())!.Token;
    }

    public async Task<CreatedToken> CreateTokenAsync(string token, CreateTokenRequest request)
    {
        using var client = Client(token);
        var response = await client.PostAsJsonAsync("/api/v1/tokens", request);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CreatedToken>())!;
    }

    /// <summary>Adds an organization directly in the store (there is no API for it yet).</summary>
    public async Task<Guid> AddOrganizationAsync(string slug)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
        var org = new Organization { Id = Guid.CreateVersion7(), Name = slug, Slug = slug, CreatedAt = Time.GetUtcNow() };
        db.Organizations.Add(org);
        await db.SaveChangesAsync();
        return org.Id;
    }

    /// <summary>Adds a user (to the bootstrap organization unless told otherwise) and signs them in.</summary>
    public async Task<string> AddUserAsync(string email, Guid? organizationId = null, string? role = null)
    {
        await using (var scope = Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
            var orgId = organizationId ?? (await db.Organizations.OrderBy(o => o.CreatedAt).FirstAsync()).Id;
            var user = new User
            {
                Id = Guid.CreateVersion7(),
                OrganizationId = orgId,
                Email = email,
                NormalizedEmail = email.ToLowerInvariant(),
                DisplayName = email.Split('@')[0],
                PasswordHash = "",
                CreatedAt = Time.GetUtcNow(),
            };
            user.PasswordHash = Services.GetRequiredService<PasswordCheck>().Hash(user, "pw-" + email);
            db.Users.Add(user);
            if (role is not null)
            {
                db.AccessPolicies.Add(new AccessPolicy
                {
                    Id = Guid.CreateVersion7(),
                    OrganizationId = orgId,
                    PrincipalType = PrincipalType.User,
                    PrincipalId = user.Id,
                    Role = role,
                    ScopeType = PolicyScopeType.Organization,
                    CreatedAt = Time.GetUtcNow(),
                });
            }

            await db.SaveChangesAsync();
        }

        return await LoginAsync(email, "pw-" + email);
    }

    /// <summary>Registers a cluster as the bootstrap admin and returns its webhook credential.</summary>
    public async Task<string> AddClusterAsync(string name, string? audience = null)
    {
        using var admin = Client(await LoginAsync());
        var created = await admin.PostAsJsonAsync("/api/v1/clusters", new CreateClusterRequest(name, $"https://{name}.k8s.example.test:6443", Audience: audience));
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        var config = await Api.ReadAsync<WebhookConfig>(await admin.GetAsync($"/api/v1/clusters/{name}/webhook-config"));
        return System.Text.RegularExpressions.Regex.Match(config.AuthenticationConfig, @"token: (lk_\w+)").Groups[1].Value;
    }

    /// <summary>Grants a role on the organization, or on one cluster, as the policy API will (cache invalidated).</summary>
    public async Task GrantAsync(string email, string role, string? clusterName = null)
    {
        await WithStoreAsync(async db =>
        {
            var user = await db.Users.SingleAsync(u => u.Email == email);
            db.AccessPolicies.Add(new AccessPolicy
            {
                Id = Guid.CreateVersion7(),
                OrganizationId = user.OrganizationId,
                PrincipalType = PrincipalType.User,
                PrincipalId = user.Id,
                Role = role,
                ScopeType = clusterName is null ? PolicyScopeType.Organization : PolicyScopeType.Cluster,
                ScopeId = clusterName is null ? null : (await db.Clusters.SingleAsync(c => c.OrganizationId == user.OrganizationId && c.Name == clusterName)).Id,
                CreatedAt = Time.GetUtcNow(),
            });
            return await db.SaveChangesAsync();
        });
        await Services.GetRequiredService<ChangeFeed>().PoliciesChangedAsync();
    }

    /// <summary>Lets the organization's members create tokens that never expire, announced to the caches as the policy API would.</summary>
    public async Task AllowNoExpirationAsync()
    {
        var organization = await WithStoreAsync(async db =>
        {
            var organization = await db.Organizations.SingleAsync();
            organization.AllowNoExpiration = true;
            await db.SaveChangesAsync();
            return organization.Id;
        });
        await Services.GetRequiredService<ChangeFeed>().OrganizationChangedAsync(organization);
    }

    public async Task<T> WithStoreAsync<T>(Func<LatchkeyDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>());
    }

    /// <summary>
    /// Makes the store unreachable, as a lost disk or a database outage would: for SQLite the files
    /// move away, for PostgreSQL the database refuses connections and the open ones are cut.
    /// </summary>
    public async Task TakeStoreAwayAsync()
    {
        if (postgres is not null)
        {
            await postgres.TakeAwayAsync(database!);
            return;
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(DataDir, "latchkey.db*"))
        {
            File.Move(file, file + ".away");
        }
    }

    public async Task BringStoreBackAsync()
    {
        if (postgres is not null)
        {
            await postgres.BringBackAsync(database!);
            return;
        }

        foreach (var file in Directory.GetFiles(DataDir, "*.away"))
        {
            File.Move(file, file[..^".away".Length]);
        }
    }

    /// <summary>Everything the store holds, as text or bytes: the SQLite files, or a pg_dump of the database.</summary>
    public async Task<IReadOnlyList<byte[]>> StoreContentsAsync()
    {
        if (postgres is not null)
        {
            return [System.Text.Encoding.UTF8.GetBytes(await postgres.DumpAsync(database!))];
        }

        return [.. Directory.EnumerateFiles(DataDir).Select(File.ReadAllBytes)];
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Traffic.Dispose();
        certificate?.Dispose();
        if (!ownsStore)
        {
            return;
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (postgres is not null)
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await postgres.DropDatabaseAsync(database!);
        }

        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    internal static string OrgAdmin => Roles.OrgAdmin;
}
