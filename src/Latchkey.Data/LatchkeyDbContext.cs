using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Latchkey.Data;

public sealed class LatchkeyDbContext(DbContextOptions<LatchkeyDbContext> options) : DbContext(options)
{
    public const string SqliteProvider = "Microsoft.EntityFrameworkCore.Sqlite";

    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<User> Users => Set<User>();
    public DbSet<AccessToken> AccessTokens => Set<AccessToken>();
    public DbSet<Cluster> Clusters => Set<Cluster>();
    public DbSet<ClusterCredential> ClusterCredentials => Set<ClusterCredential>();
    public DbSet<AccessPolicy> AccessPolicies => Set<AccessPolicy>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<UsedFormNonce> UsedFormNonces => Set<UsedFormNonce>();
    public DbSet<OwnerNotice> OwnerNotices => Set<OwnerNotice>();
    public DbSet<Group> Groups => Set<Group>();
    public DbSet<GroupMember> GroupMembers => Set<GroupMember>();
    public DbSet<Vpc> Vpcs => Set<Vpc>();
    public DbSet<TokenUsageDay> TokenUsageDays => Set<TokenUsageDay>();
    public DbSet<TokenSource> TokenSources => Set<TokenSource>();
    public DbSet<ConsoleSession> ConsoleSessions => Set<ConsoleSession>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);

        // SQLite has no time type: UTC ticks keep comparisons and ordering correct in SQL.
        if (Database.ProviderName == SqliteProvider)
        {
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        modelBuilder.Entity<Organization>(e =>
        {
            e.Property(o => o.Name).HasMaxLength(100);
            e.Property(o => o.Slug).HasMaxLength(63);
            e.Property(o => o.MintablePermissions).HasMaxLength(1000);
            e.HasIndex(o => o.Slug).IsUnique();
        });

        modelBuilder.Entity<User>(e =>
        {
            e.Property(u => u.Email).HasMaxLength(254);
            e.Property(u => u.NormalizedEmail).HasMaxLength(254);
            e.Property(u => u.DisplayName).HasMaxLength(100);
            e.Property(u => u.PasswordHash).HasMaxLength(200);
            e.HasIndex(u => u.NormalizedEmail).IsUnique();
            e.HasIndex(u => u.OrganizationId);
        });

        modelBuilder.Entity<AccessToken>(e =>
        {
            e.Property(t => t.Id).HasMaxLength(32);
            e.Property(t => t.Name).HasMaxLength(100);
            e.Property(t => t.Note).HasMaxLength(1000);
            e.Property(t => t.CreatedVia).HasMaxLength(16);
            e.Property(t => t.RevocationReason).HasMaxLength(200);
            e.Property(t => t.LastUsedFrom).HasMaxLength(64);
            e.Property(t => t.Scopes).HasMaxLength(4000);
            e.Property(t => t.SecretDigest).HasMaxLength(32);
            e.Property(t => t.DigestKeyId).HasMaxLength(32);
            e.Property(t => t.AllowedCidrs).HasMaxLength(1000);
            e.Property(t => t.ReplacedByTokenId).HasMaxLength(32);
            e.Property(t => t.ParentTokenId).HasMaxLength(32);
            e.HasIndex(t => t.SecretDigest).IsUnique();
            e.HasIndex(t => t.ParentTokenId).HasFilter("\"ParentTokenId\" IS NOT NULL");
            // Only rotated tokens have a successor: indexing the nulls of every other token made each creation pay for nothing.
            e.HasIndex(t => t.ReplacedByTokenId).HasFilter("\"ReplacedByTokenId\" IS NOT NULL");
            e.HasIndex(t => new { t.UserId, t.CreatedAt });
            e.HasIndex(t => new { t.OrganizationId, t.CreatedAt });
            e.HasOne<Organization>().WithMany().HasForeignKey(t => t.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<Cluster>(e =>
        {
            e.Property(c => c.Name).HasMaxLength(63);
            e.Property(c => c.Zone).HasMaxLength(63);
            e.Property(c => c.Server).HasMaxLength(2048);
            e.Property(c => c.Audience).HasMaxLength(2048);
            e.Property(c => c.DefaultNamespace).HasMaxLength(63);
            e.HasIndex(c => new { c.OrganizationId, c.Name }).IsUnique();
            e.HasOne<Organization>().WithMany().HasForeignKey(c => c.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ClusterCredential>(e =>
        {
            e.Property(c => c.SecretDigest).HasMaxLength(32);
            e.Property(c => c.DigestKeyId).HasMaxLength(32);
            e.HasIndex(c => c.SecretDigest).IsUnique();
            e.HasIndex(c => c.ClusterId);
            e.HasOne(c => c.Cluster).WithMany().HasForeignKey(c => c.ClusterId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AccessPolicy>(e =>
        {
            e.Property(p => p.Role).HasMaxLength(32);
            e.HasIndex(p => new { p.OrganizationId, p.PrincipalType, p.PrincipalId });
            e.HasOne<Organization>().WithMany().HasForeignKey(p => p.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AuditEvent>(e =>
        {
            e.Property(a => a.Action).HasMaxLength(64);
            e.Property(a => a.Outcome).HasMaxLength(16);
            e.Property(a => a.ActorEmail).HasMaxLength(254);
            e.Property(a => a.ActorTokenId).HasMaxLength(32);
            e.Property(a => a.TargetType).HasMaxLength(32);
            e.Property(a => a.TargetId).HasMaxLength(254);
            e.Property(a => a.SourceAddress).HasMaxLength(64);
            e.Property(a => a.UserAgent).HasMaxLength(256);
            e.Property(a => a.Detail).HasMaxLength(500);
            e.HasIndex(a => new { a.OrganizationId, a.Id });
        });

        modelBuilder.Entity<Invitation>(e =>
        {
            e.Property(i => i.CodeDigest).HasMaxLength(32);
            e.HasIndex(i => i.CodeDigest).IsUnique();
            e.HasOne(i => i.User).WithMany().HasForeignKey(i => i.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        // Policies name their principal (user or group) and scope (cluster or VPC) by id without a
        // foreign key, since each column points into one of two tables: deleting a group or a
        // cluster deletes its policies in the same transaction, and a VPC with policies is not deleted.
        modelBuilder.Entity<Group>(e =>
        {
            e.Property(g => g.Name).HasMaxLength(64);
            e.Property(g => g.NormalizedName).HasMaxLength(64);
            e.HasIndex(g => new { g.OrganizationId, g.NormalizedName }).IsUnique();
            e.HasOne<Organization>().WithMany().HasForeignKey(g => g.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<GroupMember>(e =>
        {
            e.HasKey(m => new { m.GroupId, m.UserId });
            // The policy cache asks "which groups is this user in?" on every miss.
            e.HasIndex(m => m.UserId);
            e.HasOne(m => m.Group).WithMany().HasForeignKey(m => m.GroupId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Vpc>(e =>
        {
            e.Property(v => v.Name).HasMaxLength(63);
            e.Property(v => v.Zone).HasMaxLength(63);
            e.Property(v => v.Cidr).HasMaxLength(64);
            e.HasIndex(v => new { v.OrganizationId, v.Name }).IsUnique();
            e.HasOne<Organization>().WithMany().HasForeignKey(v => v.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<UsedFormNonce>(e =>
        {
            e.HasKey(n => n.Nonce);
            e.Property(n => n.Nonce).HasMaxLength(64);
            e.HasIndex(n => n.UsedAt);
        });

        modelBuilder.Entity<OwnerNotice>(e =>
        {
            e.Property(n => n.TokenId).HasMaxLength(32);
            e.Property(n => n.Kind).HasMaxLength(64);
            e.Property(n => n.DedupKey).HasMaxLength(200);
            e.Property(n => n.Subject).HasMaxLength(200);
            e.Property(n => n.Text).HasMaxLength(4000);
            e.Property(n => n.LastError).HasMaxLength(500);
            e.HasIndex(n => n.DedupKey).IsUnique();
            e.HasIndex(n => n.DueAt);
            e.HasOne<User>().WithMany().HasForeignKey(n => n.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        // Written with raw upserts (INSERT ... ON CONFLICT), which both providers take as written:
        // the table and column names are fixed here so that the SQL and the model cannot drift apart.
        // No foreign key: a batch of counts must never be refused over a token row.
        modelBuilder.Entity<TokenUsageDay>(e =>
        {
            e.ToTable("TokenUsageDays");
            e.HasKey(u => new { u.TokenId, u.Day, u.Door });
            e.Property(u => u.TokenId).HasMaxLength(32);
            e.Property(u => u.Door).HasMaxLength(16);
            e.HasIndex(u => u.Day);
        });

        modelBuilder.Entity<ConsoleSession>(e =>
        {
            e.Property(c => c.EndReason).HasMaxLength(64);
            e.HasIndex(c => c.UserId);
            e.HasOne<User>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<TokenSource>(e =>
        {
            e.ToTable("TokenSources");
            e.HasKey(s => new { s.TokenId, s.Address });
            e.Property(s => s.TokenId).HasMaxLength(32);
            e.Property(s => s.Address).HasMaxLength(64);
            e.HasIndex(s => s.LastSeenAt);
        });
    }

    private sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.UtcTicks,
        v => new DateTimeOffset(v, TimeSpan.Zero));
}
