using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Latchkey.Server.Audit;
using Latchkey.Server.ClusterAuth;
using Latchkey.Server.Console;
using Latchkey.Server.ForwardAuth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HttpOverrides;
using Latchkey.Server.Clusters;
using Latchkey.Server.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Iam;
using Latchkey.Server.Observability;
using Latchkey.Server.Identity;
using Latchkey.Server.Kubeconfigs;
using Latchkey.Server.Lifecycle;
using Latchkey.Server.Notifications;
using Latchkey.Server.Tokens;
using Latchkey.Server.Verification;
using Latchkey.Server.Vpcs;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Latchkey.Server;

/// <summary>The whole server, as a table of contents. Tests build the same app with their own settings.</summary>
public static class LatchkeyHost
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>Environment variables documented in the README, mapped onto configuration keys.</summary>
    private static readonly (string Variable, string Key)[] EnvironmentAliases =
    [
        ("LATCHKEY_DATADIR", "Latchkey:DataDir"),
        ("LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD", "Latchkey:Bootstrap:AdminPassword"),
        ("LATCHKEY_BOOTSTRAP_ADMIN_EMAIL", "Latchkey:Bootstrap:AdminEmail"),
    ];

    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Configuration.AddInMemoryCollection(EnvironmentAliases
            .Select(a => KeyValuePair.Create(a.Key, Environment.GetEnvironmentVariable(a.Variable)))
            .Where(a => !string.IsNullOrEmpty(a.Value)));
        builder.Configuration.AddCommandLine(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // Request-start lines carry the query string; our own request log leaves it out.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);

        var services = builder.Services;
        services.AddOptions<LatchkeyOptions>().BindConfiguration(LatchkeyOptions.Section);
        services.AddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.AddDefaultDetail);
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddOpenApi();
        services.Configure<ForwardedHeadersOptions>(o => ConfigureProxies(o, builder.Configuration));

        services.AddStore();
        services.AddServerLimits();
        services.AddSingleton(sp => TokenKeyRing.Create(sp.GetRequiredService<IOptions<LatchkeyOptions>>()));
        services.AddSingleton<LatchkeyMetrics>();
        services.AddSingleton<VerificationCache>();
        services.AddSingleton<LastUsedRecorder>();
        services.AddSingleton<StoredTokenReader>();
        services.AddSingleton<TokenVerifier>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<TokenCreation>();
        services.AddSingleton<TokenScopeRules>();
        services.AddSingleton<TokenRevocation>();
        services.AddSingleton<LeakedTokens>();
        services.AddSingleton<TokenPolicy>();
        services.AddSingleton<KubeconfigDownload>();
        services.AddSingleton<AuditLog>();
        services.AddHostedService<AuditWriter>();
        services.AddSingleton<PasswordCheck>();
        services.AddSingleton<PasswordSignIn>();
        services.AddSingleton<Invitations>();
        services.AddSingleton<Members>();
        services.AddSingleton<ConsoleSessions>();
        services.AddSingleton<PasswordChange>();
        services.AddSingleton<PolicyCache>();
        services.AddSingleton<OrganizationCache>();
        services.AddSingleton<AccessEvaluator>();
        services.AddSingleton<EffectiveAccessReader>();
        services.AddSingleton<GroupRegistry>();
        services.AddSingleton<PolicyRegistry>();
        services.AddSingleton<VpcRegistry>();
        services.AddHostedService<WriteBehind>();
        services.AddSingleton<FeedCurrency>();
        services.AddSingleton<ChangeFeed>();
        services.AddHostedService<ChangeReader>();

        services.AddSingleton<FailedAttempts>();
        services.AddSingleton<WebhookCredentialUses>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookCredentialUses>());
        services.AddSingleton<WebhookCallers>();
        services.AddSingleton<WebhookCredentials>();
        services.AddSingleton<WebhookWiring>();
        services.AddSingleton<ClusterRegistry>();
        services.AddSingleton<AuditQuery>();
        services.AddSingleton<OwnerNotices>();
        services.AddNotifications();
        services.AddSingleton<UsageRecorder>();
        services.AddSingleton<RotationRetirement>();
        services.AddSingleton<TokenRotation>();
        services.AddSingleton<RotationSweep>();
        services.AddSingleton<IdleTokenCleanup>();
        services.AddSingleton<Retention>();
        services.AddSingleton<SessionPruning>();
        services.AddHostedService<LifecycleJobs>();

        // No default scheme (not even the implicit one a single scheme would become): the REST API
        // authenticates users by bearer token only, the console by its own cookie only. The webhooks
        // and forward-auth check their own credentials, once, on their own terms.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication()
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, BearerAuthentication>(BearerAuthentication.SchemeName, null)
            .AddConsoleCookie();
        services.AddAuthorizationBuilder().SetDefaultPolicy(
            new AuthorizationPolicyBuilder(BearerAuthentication.SchemeName).RequireAuthenticatedUser().Build());
        services.AddRateLimiter(o => ConfigureRateLimits(o, builder.Configuration));
        services.AddConsole();

        customize?.Invoke(builder);

        // A relative data folder is taken from the content root, wherever the process was started.
        services.PostConfigure<LatchkeyOptions>(o => o.DataDir = Path.GetFullPath(o.DataDir, builder.Environment.ContentRootPath));

        var app = builder.Build();
        PrepareDataDir(app.Services.GetRequiredService<IOptions<LatchkeyOptions>>().Value, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Latchkey.Server.DataFolder"));

        app.UseForwardedHeaders();
        // Outside the exception handler: it sees the store faults that surface in time, this the rest.
        app.UseRequestBudget(ConsoleSetup.Owns);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseConsoleErrorPages();
        // Before routing, whose debug log names the request path.
        app.UseUrlSecretGuard();
        app.UseConsole();
        app.UseRouting();
        app.UseApiHeaders();
        app.UseRateLimiter();
        app.UseAuthorization();

        app.MapHealth();
        app.MapOpenApi();
        app.MapTokenReview();
        app.MapSubjectAccessReview();
        app.MapForwardAuth();
        app.MapMetrics();
        var api = app.MapGroup("/api/v1").RequireAuthorization();
        api.MapLogin();
        api.MapTokens();
        api.MapTokenPolicy();
        api.MapEffectiveAccess();
        api.MapLeakedTokens();
        api.MapTokenLifecycle();
        api.MapClusters();
        api.MapWebhookConfig();
        api.MapExecCredentials();
        api.MapAudit();
        api.MapUsers();
        api.MapGroups();
        api.MapPolicies();
        api.MapVpcs();
        app.MapConsole();
        return app;
    }

    public static void ConfigureJson(JsonSerializerOptions json)
    {
        ArgumentNullException.ThrowIfNull(json);
        // Unknown or repeated fields are mistakes worth telling about, not things to ignore.
        json.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        json.AllowDuplicateProperties = false;
        json.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
    }

    /// <summary>
    /// X-Forwarded-For and -Proto are believed only from the proxies (addresses or CIDRs) listed in
    /// Latchkey:TrustedProxies; none by default, not even loopback: anything on the host that
    /// forwards without overwriting the header (a plain proxy_pass, a sidecar) would otherwise let a
    /// client choose the address that allowlists, throttles and the audit log see.
    /// </summary>
    private static void ConfigureProxies(ForwardedHeadersOptions options, ConfigurationManager configuration)
    {
        var proxies = configuration.GetSection($"{LatchkeyOptions.Section}:TrustedProxies").Get<string[]>() ?? [];
        // With both lists empty the middleware would believe any peer: with no trusted proxy, no header is read at all.
        options.ForwardedHeaders = proxies.Length == 0 ? ForwardedHeaders.None : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // The older list is still consulted, and it holds loopback by default.
        options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
        foreach (var proxy in proxies)
        {
            // An address alone is that one proxy.
            var entry = proxy.Trim();
            if (!entry.Contains('/', StringComparison.Ordinal) && Http.NetworkAddresses.TryParseAddress(entry, out var single, out _))
            {
                entry = $"{single}/{(single!.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)}";
            }

            if (!Http.NetworkAddresses.TryParseNetwork(entry, out var network, out var error))
            {
                throw new InvalidOperationException($"Latchkey:TrustedProxies: {error}");
            }

            options.KnownIPNetworks.Add(network);
        }
    }

    private static void ConfigureRateLimits(RateLimiterOptions options, IConfiguration configuration)
    {
        var perMinute = configuration.GetValue($"{LatchkeyOptions.Section}:LoginAttemptsPerMinute", 10);
        // One budget per address for every door that checks passwords (API login, console sign-in);
        // only attempts count, not looking at the sign-in page.
        options.AddPolicy(LoginEndpoints.RateLimitPolicy, http => HttpMethods.IsPost(http.Request.Method)
            ? RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })
            : RateLimitPartition.GetNoLimiter("page views"));
        LeakedTokenEndpoints.AddRateLimit(options, configuration);
        options.OnRejected = async (context, cancellationToken) =>
        {
            var http = context.HttpContext;
            http.Response.Headers.RetryAfter = "60";
            if (LeakedTokenEndpoints.Limits(http))
            {
                await LeakedTokenEndpoints.RejectAsync(http).ConfigureAwait(false);
                return;
            }

            var audit = http.RequestServices.GetRequiredService<AuditLog>();
            audit.Tally(audit.Event(http, "login", "denied", detail: "too many sign-in attempts from this address"));
            if (ConsoleSetup.Owns(http.Request.Path))
            {
                // The console's error page says the same in a page.
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                return;
            }

            await Problems.Write(http, StatusCodes.Status429TooManyRequests, "Too many requests",
                "Too many sign-in attempts from your address. Wait a minute and try again.").ConfigureAwait(false);
        };
    }

    private static void PrepareDataDir(LatchkeyOptions settings, ILogger logger)
    {
        DataDisk.EnsureWritable(settings.DataDir);
        foreach (var path in Operations.DataFolderMode.Tighten(settings.DataDir))
        {
            Log.DataFileNarrowed(logger, path);
        }
    }
}
