using System.Security.Cryptography;
using Latchkey.Data;
using Latchkey.Server.Iam;
using Latchkey.Server.Identity;
using Latchkey.Server.Verification;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Data;

/// <summary>Brings the schema up to date and, on an empty store, creates the first organization and its admin.</summary>
internal static class StoreSetup
{
    private const long SetupLockKey = 0x4c61_7463_686b_6579; // "Latchkey"

    /// <summary>How long a start waits while another process sets the same SQLite file up (migrations take well under a second).</summary>
    private static readonly TimeSpan SetupLockPatience = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Migrations of a large store, and a replica waiting for another's, outlast the few seconds a
    /// request's statement gets (<see cref="Latchkey.Data.Postgres.PostgresStore.DefaultCommandTimeout"/>).
    /// </summary>
    private static readonly TimeSpan SetupCommandTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Cancelled (SIGTERM, SIGINT) between steps: a migration already begun finishes or rolls back, and EF releases its lock row.</summary>
    public static async Task PrepareStoreAsync(this WebApplication app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = app.Services.GetRequiredService<IOptions<LatchkeyOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StoreSetup).FullName!);
        // Before the store is touched: a period of zero would delete what should have been kept.
        if (settings.Retention.Problem() is { } retention)
        {
            throw new StartupRefusedException(retention);
        }

        _ = app.Services.GetRequiredService<Operations.DataDirLock>();

        // Load (or create) the token key now: a missing or bad key should stop the start, not the first request.
        _ = app.Services.GetRequiredService<TokenKeyRing>();

        Store.PrepareFile(settings);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
        db.Database.SetCommandTimeout(SetupCommandTimeout);
        if (!Store.IsPostgres(settings))
        {
            var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString());
            var database = file.DataSource;
            if (file.Mode == Microsoft.Data.Sqlite.SqliteOpenMode.Memory || database is "" or ":memory:")
            {
                await MigrateAndBootstrapAsync(app, db, settings, logger, cancellationToken);
                return;
            }

            using var setup = await SqliteSetupLock.AcquireAsync(database, SetupLockPatience, cancellationToken);
            await ClearStaleMigrationLockAsync(db, database, logger, cancellationToken);
            await MigrateAndBootstrapAsync(app, db, settings, logger, cancellationToken);
            return;
        }

        // Replicas that start together: one migrates and bootstraps while the others wait their turn.
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({SetupLockKey})", cancellationToken);
            await MigrateAndBootstrapAsync(app, db, settings, logger, cancellationToken);
        }
        finally
        {
            // Released even when start-up was asked to stop: the connection goes back to a pool.
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({SetupLockKey})", CancellationToken.None);
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Called with <see cref="SqliteSetupLock"/> held: no other process can be migrating this file,
    /// so a row EF left in its lock table belongs to a start that was killed inside its migrations.
    /// </summary>
    private static async Task ClearStaleMigrationLockAsync(LatchkeyDbContext db, string database, ILogger logger, CancellationToken cancellationToken)
    {
        var table = await db.Database.SqlQueryRaw<long>("SELECT count(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsLock'")
            .SingleAsync(cancellationToken);
        if (table == 0)
        {
            return;
        }

        var removed = await db.Database.ExecuteSqlRawAsync("DELETE FROM \"__EFMigrationsLock\"", cancellationToken);
        if (removed > 0)
        {
            Log.StaleMigrationLockCleared(logger, database);
        }
    }

    private static async Task MigrateAndBootstrapAsync(WebApplication app, LatchkeyDbContext db, LatchkeyOptions settings, ILogger logger, CancellationToken cancellationToken)
    {
        // Every start used to migrate, and so took EF's migration lock even with nothing to do:
        // a kill inside that window could leave the lock behind for the next start.
        if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any())
        {
            await db.Database.MigrateAsync(cancellationToken);
        }

        var dataSource = db.Database.GetDbConnection().DataSource;
        if (!Store.IsPostgres(settings) && !OperatingSystem.IsWindows() && File.Exists(dataSource))
        {
            // SQLite gives its -wal and -shm files the database file's mode.
            File.SetUnixFileMode(dataSource, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Log.StoreReady(logger, dataSource);

        if (await db.Organizations.AnyAsync(cancellationToken))
        {
            return;
        }

        var time = app.Services.GetRequiredService<TimeProvider>();
        var boot = settings.Bootstrap;
        var now = time.GetUtcNow();
        var organization = new Organization { Id = Guid.CreateVersion7(), Name = boot.OrganizationName, Slug = boot.OrganizationSlug, CreatedAt = now };
        // The first admin's password is held to the same rule as every other: it guards the whole installation.
        if (!string.IsNullOrEmpty(boot.AdminPassword) && Identity.PasswordPolicy.Problem(boot.AdminPassword, boot.AdminEmail) is { } weak)
        {
            throw new StartupRefusedException($"LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD (Latchkey:Bootstrap:AdminPassword) is refused: {weak}");
        }

        var password = string.IsNullOrEmpty(boot.AdminPassword) ? GeneratePassword() : boot.AdminPassword;
        var admin = new User
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = organization.Id,
            Email = boot.AdminEmail,
            NormalizedEmail = boot.AdminEmail.ToLowerInvariant(),
            DisplayName = "Administrator",
            PasswordHash = "",
            CreatedAt = now,
        };
        admin.PasswordHash = app.Services.GetRequiredService<PasswordCheck>().Hash(admin, password);
        db.Organizations.Add(organization);
        db.Users.Add(admin);
        db.AccessPolicies.Add(new AccessPolicy
        {
            Id = Guid.CreateVersion7(),
            OrganizationId = organization.Id,
            PrincipalType = PrincipalType.User,
            PrincipalId = admin.Id,
            Role = Roles.OrgAdmin,
            ScopeType = PolicyScopeType.Organization,
            CreatedAt = now,
        });
        db.AuditEvents.Add(new AuditEvent
        {
            Time = now,
            OrganizationId = organization.Id,
            Action = "organization.bootstrap",
            Outcome = "success",
            TargetType = "user",
            TargetId = admin.Email,
            Detail = "first start: organization and admin created",
        });
        await db.SaveChangesAsync(cancellationToken);
        Log.Bootstrapped(logger, organization.Slug, admin.Email);

        if (string.IsNullOrEmpty(boot.AdminPassword))
        {
            // Printed once, to the console only (not the log pipeline); it is never stored in clear.
            System.Console.WriteLine($"""

                ============================================================
                 Latchkey created the first admin account:
                   email:    {admin.Email}
                   password: {password}
                 This password is shown only now. Sign in and keep it safe.
                ============================================================

                """);
        }
    }

    private static string GeneratePassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 24);
}
