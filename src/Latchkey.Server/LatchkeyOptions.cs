namespace Latchkey.Server;

/// <summary>The <c>Latchkey</c> configuration section.</summary>
public sealed class LatchkeyOptions
{
    public const string Section = "Latchkey";

    /// <summary>Folder for the SQLite database and the token key file. Env: <c>LATCHKEY_DATADIR</c>.</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>The URL clusters and people reach this server at, for generated files. Default: the request's own.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>
    /// Base64 of the PEM certificate (or CA) that API servers should trust for this server's TLS
    /// certificate; written into generated webhook configs as certificate-authority-data.
    /// </summary>
    public string? PublicCertificateAuthorityData { get; set; }

    /// <summary>Failed token uses allowed per source address per minute at the API and forward-auth (429 beyond).</summary>
    public int FailedAttemptsPerMinute { get; set; } = 60;

    /// <summary>Lets clusters be registered with an http:// server (local test clusters only).</summary>
    public bool AllowHttpClusterServers { get; set; }

    public DatabaseOptions Database { get; set; } = new();
    public LimitsOptions Limits { get; set; } = new();

    /// <summary>
    /// The longest any request waits for the store: past it the answer is a 503 that names the
    /// cause, at every door and at <c>/readyz</c>. Zero turns the budget off.
    /// </summary>
    public TimeSpan RequestBudget { get; set; } = TimeSpan.FromSeconds(2);
    public TokenKeyOptions TokenKeys { get; set; } = new();
    public BootstrapOptions Bootstrap { get; set; } = new();
    public RetentionOptions Retention { get; set; } = new();

    /// <summary>Lifetime of the token that <c>POST /api/v1/login</c> returns (capped by the organization's maximum).</summary>
    public int LoginTokenLifetimeDays { get; set; } = 30;

    /// <summary>Sign-in attempts allowed per source address per minute.</summary>
    public int LoginAttemptsPerMinute { get; set; } = 10;

    /// <summary>How long a verified token is trusted from memory before the store is asked again.</summary>
    public TimeSpan VerificationCacheTtl { get; set; } = TimeSpan.FromSeconds(60);

    public int VerificationCacheCapacity { get; set; } = 100_000;

    /// <summary>How often last-used times and usage counts are written.</summary>
    public TimeSpan WriteBehindInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the collapsed audit events of repeated failures are written: what a kill -9 can lose.</summary>
    public TimeSpan AuditFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Distinct collapsed audit events (source, action, outcome, target, reason) held in memory while
    /// they wait to be written; beyond it new ones are dropped and counted.
    /// </summary>
    public int AuditQueueCapacity { get; set; } = 10_000;

    /// <summary>How often the lifecycle jobs run: rotated tokens' end, idle tokens, old usage counts, ended console sessions.</summary>
    public TimeSpan LifecycleInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A console session ends after this long without a request (each request extends it).</summary>
    public TimeSpan ConsoleIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long a webhook credential works after it is issued; an operator issues a new one (and
    /// revokes the old) before then. Credentials issued before expiry existed count from their creation.
    /// </summary>
    public TimeSpan WebhookCredentialLifetime { get; set; } = TimeSpan.FromDays(365);

    /// <summary>A console session ends this long after sign-in, however active it is.</summary>
    public TimeSpan ConsoleSessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// On PostgreSQL, the longest a replica answers from its caches without having confirmed that it
    /// has read every change committed by the others: past it, every answer comes from the store (or
    /// is a 503 if the store cannot answer), never a stale 200.
    /// </summary>
    public TimeSpan RevocationBound { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Off (zero) by default. When set, a replica that cannot reach the store keeps answering from its
    /// caches for grants it confirmed current at most this long ago: availability during a database
    /// outage, paid for with a revocation bound of this length (kube-apiserver's webhook cache makes
    /// the same trade).
    /// </summary>
    public TimeSpan ServeCachedDuringOutage { get; set; } = TimeSpan.Zero;
}

/// <summary>
/// The <c>Latchkey:Retention</c> section: how long what has ended is kept before the lifecycle job
/// deletes it. The audit export is the way to keep everything for longer.
/// </summary>
public sealed class RetentionOptions
{
    /// <summary>A token is deleted this long after its end (revocation, a rotation's retirement or expiry, whichever came first).</summary>
    public TimeSpan Tokens { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Usage counts per day and the addresses a token was used from are deleted this long after the day (or the last use from there).</summary>
    public TimeSpan Usage { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Unset (the default): audit events are kept for ever. Set: they are deleted this long after they happened.</summary>
    public TimeSpan? Audit { get; set; }

    /// <summary>What is wrong with these settings, in the one line a refused start prints; null when nothing is.</summary>
    public string? Problem()
    {
        foreach (var (name, period) in (ReadOnlySpan<(string, TimeSpan?)>)[("Tokens", Tokens), ("Usage", Usage), ("Audit", Audit)])
        {
            if (period <= TimeSpan.Zero)
            {
                var unset = name == "Audit" ? "leave it unset to keep audit events for ever" : "leave it unset for the default of 90 days";
                return $"{LatchkeyOptions.Section}:Retention:{name} is {period}; a retention period must be longer than zero (such as 90 for 90 days, or 30.00:00:00), or {unset}.";
            }
        }

        return null;
    }
}

public sealed class DatabaseOptions
{
    /// <summary>Only <c>sqlite</c> for now.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>Overrides the SQLite file in the data folder.</summary>
    public string? ConnectionString { get; set; }
}

/// <summary>Kestrel's limits (<c>Latchkey:Limits</c>); Kestrel's own defaults in brackets.</summary>
public sealed class LimitsOptions
{
    /// <summary>Open connections at once; more wait in the listen queue [unlimited].</summary>
    public long? MaxConnections { get; set; } = 4096;

    /// <summary>Headers per request; more is a 431 [100]. Browsers, kubectl and proxies send well under 30.</summary>
    public int MaxRequestHeaderCount { get; set; } = 64;

    /// <summary>All headers of a request together, in bytes; more is a 431 [32 KiB].</summary>
    public int MaxRequestHeadersTotalSize { get; set; } = 32 * 1024;

    /// <summary>The request line (method, path, query), in bytes; more is a 414 [8 KiB].</summary>
    public int MaxRequestLineSize { get; set; } = 8 * 1024;

    /// <summary>A request body, in bytes, for every route but the webhooks (64 KiB); more is a 413 [about 28.6 MiB].</summary>
    public long? MaxRequestBodySize { get; set; } = 1024 * 1024;

    /// <summary>How long an idle keep-alive connection stays open [2 min 10 s].</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>How long a client may take to send its headers (slow clients hold connections) [30 s].</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>HMAC keys for token digests. When none are configured, a key file in the data folder is used.</summary>
public sealed class TokenKeyOptions
{
    public string? Current { get; set; }

    /// <summary>Key id to base64 key (at least 32 bytes).</summary>
    public Dictionary<string, string> Keys { get; set; } = [];
}

public sealed class BootstrapOptions
{
    public string OrganizationName { get; set; } = "Default";
    public string OrganizationSlug { get; set; } = "default";
    public string AdminEmail { get; set; } = "admin@latchkey.local";

    /// <summary>Env: <c>LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD</c>. Generated and printed once when empty.</summary>
    public string? AdminPassword { get; set; }
}
