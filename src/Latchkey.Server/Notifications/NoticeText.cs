using System.Globalization;

namespace Latchkey.Server.Notifications;

/// <summary>What owner notices say. Plain text for a person; a token appears by name and public id only.</summary>
internal static class NoticeText
{
    public static (string Subject, string Text) Expiring(string tokenName, string tokenId, DateTimeOffset expiresAt, int days, string? publicUrl)
    {
        var within = days == 1 ? "within a day" : $"within {days} days";
        return ($"Latchkey token \"{tokenName}\" expires {within}",
            $"""
            Your access token "{tokenName}" (id {tokenId}) expires on {Exact(expiresAt)}.

            After that, whatever uses it (CI jobs, scripts, kubeconfigs) is refused. To keep them working,
            create a new token ({Where(publicUrl, "/tokens/new")}, or 'latchkey tokens create'), put it where
            the old one is used, then delete the old one.

            If the token is no longer needed, there is nothing to do: it stops working by itself.
            """);
    }

    public static (string Subject, string Text) Leaked(string tokenName, string tokenId, DateTimeOffset revokedAt, string? source, string? publicUrl) =>
        ($"Latchkey token \"{tokenName}\" was reported as leaked and is revoked",
            $"""
            Your access token "{tokenName}" (id {tokenId}) was reported as leaked on {Exact(revokedAt)}{(source is null ? "" : $" from address {source}")}
            and has been revoked: it no longer works anywhere.

            Someone found the secret where it should not be (a repository, a log, a chat) and sent it to
            Latchkey to have it revoked. Create a new token ({Where(publicUrl, "/tokens/new")}, or 'latchkey tokens
            create'), put it where the old one was used, and remove the old secret from where it was found.
            Ask an organization admin to check the audit log for uses of the old token.
            """);

    private static string Where(string? publicUrl, string path) =>
        publicUrl is { Length: > 0 } url ? $"in the console at {url.TrimEnd('/')}{path}" : "in the web console";

    private static string Exact(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
