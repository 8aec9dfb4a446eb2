using System.Globalization;
using Latchkey.Core.Contracts;

namespace Latchkey.Server.Console;

/// <summary>How the console writes times and statuses. Times are UTC; the exact time goes with every relative one.</summary>
internal static class Display
{
    public static string Exact(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Machine(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    public static string Relative(DateTimeOffset time, DateTimeOffset now)
    {
        var span = time - now;
        var future = span > TimeSpan.Zero;
        var length = span.Duration();
        var words = length.TotalMinutes < 1 ? null
            : length.TotalHours < 1 ? Count((int)length.TotalMinutes, "minute")
            : length.TotalDays < 1 ? Count((int)length.TotalHours, "hour")
            : length.TotalDays < 60 ? Count((int)length.TotalDays, "day")
            : length.TotalDays < 730 ? Count((int)(length.TotalDays / 30.4), "month")
            : Count((int)(length.TotalDays / 365.25), "year");
        return words is null ? "just now" : future ? $"in {words}" : $"{words} ago";
    }

    public static string StatusText(TokenStatus status) => status switch
    {
        TokenStatus.Active => "Active",
        TokenStatus.Expired => "Expired",
        _ => "Revoked",
    };

    public static string StatusClass(TokenStatus status) => status switch
    {
        TokenStatus.Active => "badge badge-ok",
        TokenStatus.Expired => "badge badge-warn",
        _ => "badge badge-bad",
    };

    /// <summary>A webhook credential's status as the API words it: active, expired or revoked.</summary>
    public static string CredentialStatusClass(string status) => status switch
    {
        "active" => "badge badge-ok",
        "expired" => "badge badge-warn",
        _ => "badge badge-bad",
    };

    public static string OutcomeClass(string outcome) => outcome switch
    {
        "success" => "badge badge-ok",
        "failure" => "badge badge-warn",
        _ => "badge badge-bad",
    };

    private static string Count(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n.ToString(CultureInfo.InvariantCulture)} {unit}s";
}
