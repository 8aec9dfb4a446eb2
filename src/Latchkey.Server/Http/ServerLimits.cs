using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Http;

/// <summary>
/// Kestrel's limits from <c>Latchkey:Limits</c>. Oversized headers are a 431 and an oversized
/// request line a 414 from Kestrel itself, before any of Latchkey runs; an oversized body is a 413
/// problem when the endpoint reads it. The webhooks cap their own bodies lower.
/// </summary>
internal static class ServerLimits
{
    public static IServiceCollection AddServerLimits(this IServiceCollection services)
    {
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LatchkeyOptions>>((kestrel, latchkey) => Apply(kestrel.Limits, latchkey.Value.Limits));
        return services;
    }

    /// <summary>"at most 1 MiB" for a body limit in bytes.</summary>
    public static string Describe(long? bytes) => bytes switch
    {
        null => "no limit",
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => $"at most {bytes / (1024 * 1024)} MiB",
        >= 1024 when bytes % 1024 == 0 => $"at most {bytes / 1024} KiB",
        _ => $"at most {bytes} bytes",
    };

    private static void Apply(KestrelServerLimits kestrel, LimitsOptions limits)
    {
        kestrel.MaxConcurrentConnections = limits.MaxConnections;
        kestrel.MaxConcurrentUpgradedConnections = limits.MaxConnections;
        kestrel.MaxRequestHeaderCount = limits.MaxRequestHeaderCount;
        kestrel.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersTotalSize;
        kestrel.MaxRequestLineSize = limits.MaxRequestLineSize;
        kestrel.MaxRequestBodySize = limits.MaxRequestBodySize;
        kestrel.KeepAliveTimeout = limits.KeepAliveTimeout;
        kestrel.RequestHeadersTimeout = limits.RequestHeadersTimeout;
    }
}
