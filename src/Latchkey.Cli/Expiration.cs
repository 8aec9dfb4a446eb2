using System.Globalization;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli;

/// <summary>The <c>--expires</c> value: <c>30d</c>, <c>12h</c>, <c>2w</c>, a date (<c>2027-01-31</c>, midnight UTC), a time, or <c>never</c>.</summary>
internal static class Expiration
{
    public const string Help = "When the token stops working: 30d, 12h, 2w, a date such as 2027-01-31 (midnight UTC), an ISO time, or 'never' (if your organization allows it). Default: 30 days.";

    public static CreateTokenRequest Apply(CreateTokenRequest request, string? text, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return request;
        }

        text = text.Trim();
        if (text.Equals("never", StringComparison.OrdinalIgnoreCase))
        {
            return request with { NoExpiration = true };
        }

        if (text.Length >= 2 && int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0)
        {
            switch (char.ToLowerInvariant(text[^1]))
            {
                case 'd':
                    return request with { ExpiresInDays = count };
                case 'w':
                    return request with { ExpiresInDays = count * 7 };
                case 'h':
                    return request with { ExpiresAt = now.AddHours(count) };
            }
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return request with { ExpiresAt = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) };
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && text.Contains('T', StringComparison.Ordinal))
        {
            return request with { ExpiresAt = at.ToUniversalTime() };
        }

        throw new UsageException($"--expires '{text}' is not understood. {Help}");
    }
}
