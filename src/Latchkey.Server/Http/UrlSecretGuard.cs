using System.Text.RegularExpressions;
using Latchkey.Core.Tokens;

namespace Latchkey.Server.Http;

/// <summary>
/// Refuses any request whose URL carries a token (or an <c>access_token</c> parameter) before
/// anything else sees it. URLs are logged by proxies and kept in browser history, so a token is
/// accepted only in the Authorization header; this also keeps it out of our own request logs.
/// </summary>
internal static partial class UrlSecretGuard
{
    public static IApplicationBuilder UseUrlSecretGuard(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        var request = http.Request;
        if (!CarriesToken(request.Path.Value) && !CarriesToken(request.QueryString.Value) && !request.Query.ContainsKey("access_token"))
        {
            return next(http);
        }

        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(UrlSecretGuard).FullName!);
        Log.TokenInUrl(logger, http.Connection.RemoteIpAddress?.ToString());
        return Problems.Write(http, StatusCodes.Status400BadRequest, "Token in URL",
            "Access tokens are accepted only in the 'Authorization: Bearer' header, never in a URL. "
            + "A token that was sent in a URL may have been logged on the way: delete it and create a new one.");
    });

    /// <summary>
    /// Checked as written and after each round of percent-decoding (three at most): <c>%6Ck_…</c>
    /// and <c>%256Ck_…</c> are the same token to whoever logs or decodes the URL.
    /// </summary>
    private static bool CarriesToken(string? text)
    {
        if (string.IsNullOrEmpty(text) || (!text.Contains(TokenFormat.Prefix, StringComparison.Ordinal) && !text.Contains('%', StringComparison.Ordinal)))
        {
            return false;
        }

        for (var round = 0; round < 3; round++)
        {
            if (Candidate().IsMatch(text))
            {
                return true;
            }

            var decoded = Uri.UnescapeDataString(text.Replace('+', ' '));
            if (decoded == text)
            {
                return false;
            }

            text = decoded;
        }

        return Candidate().IsMatch(text);
    }

    // Anything shaped like a token counts, checksum or not: a mistyped secret is still a secret.
    [GeneratedRegex("lk_[0-9A-Za-z]{20,}")]
    private static partial Regex Candidate();
}
