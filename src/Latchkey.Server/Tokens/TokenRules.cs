using Latchkey.Core.Contracts;
using Latchkey.Data;

namespace Latchkey.Server.Tokens;

/// <summary>What a token request must satisfy. Each rule answers with the field at fault and a sentence.</summary>
internal static class TokenRules
{
    public const int MaxNameLength = 100;
    public const int MaxNoteLength = 1000;
    public const int DefaultLifetimeDays = 30;

    public static (string Field, string Message)? CheckText(CreateTokenRequest request)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            return ("name", "A token needs a name, so you can tell it apart later.");
        }

        if (name.Length > MaxNameLength)
        {
            return ("name", $"The name is {name.Length} characters long; at most {MaxNameLength} are allowed.");
        }

        if (!Http.TextRules.IsCleanLine(name))
        {
            return ("name", $"The name may not contain {Http.TextRules.HiddenCharacters}, nor line breaks or tabs.");
        }

        if (request.Note is { Length: > MaxNoteLength } note)
        {
            return ("note", $"The note is {note.Length} characters long; at most {MaxNoteLength} are allowed.");
        }

        if (request.Note is { } text && !Http.TextRules.IsCleanText(text))
        {
            return ("note", $"The note may not contain {Http.TextRules.HiddenCharacters}.");
        }

        return null;
    }

    /// <summary>Resolves the expiration the request asks for, or says why it is not allowed.</summary>
    public static (DateTimeOffset? ExpiresAt, (string Field, string Message)? Error) Expiration(
        CreateTokenRequest request, Organization organization, DateTimeOffset now)
    {
        var ways = (request.ExpiresAt is null ? 0 : 1) + (request.ExpiresInDays is null ? 0 : 1) + (request.NoExpiration == true ? 1 : 0);
        if (ways > 1)
        {
            return (null, ("expiresAt", "Give only one of expiresAt, expiresInDays and noExpiration."));
        }

        var maxDays = organization.MaxTokenLifetimeDays;
        if (request.NoExpiration == true)
        {
            return organization.AllowNoExpiration
                ? (null, null)
                : (null, ("noExpiration", $"Your organization requires tokens to expire, after at most {maxDays} days."));
        }

        if (request.ExpiresInDays is { } days)
        {
            return days < 1 || days > maxDays
                ? (null, ("expiresInDays", $"expiresInDays must be between 1 and {maxDays} (your organization's maximum)."))
                : (now.AddDays(days), null);
        }

        if (request.ExpiresAt is { } at)
        {
            if (at <= now)
            {
                return (null, ("expiresAt", "expiresAt is in the past; choose a time in the future."));
            }

            return at > now.AddDays(maxDays)
                ? (null, ("expiresAt", $"expiresAt is more than {maxDays} days away, your organization's maximum lifetime."))
                : (at.ToUniversalTime(), null);
        }

        return (now.AddDays(Math.Min(DefaultLifetimeDays, maxDays)), null);
    }

    /// <summary>
    /// A replacement lives as long as the token it replaces was made to live, counted from now, and
    /// no longer than the organization's policy allows today.
    /// </summary>
    public static DateTimeOffset? RotatedExpiration(AccessToken old, Organization organization, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(organization);
        var longest = TimeSpan.FromDays(organization.MaxTokenLifetimeDays);
        if (old.ExpiresAt is not { } expires)
        {
            return organization.AllowNoExpiration ? null : now + longest;
        }

        var lifetime = expires - old.CreatedAt;
        return now + (lifetime < longest ? lifetime : longest);
    }
}
