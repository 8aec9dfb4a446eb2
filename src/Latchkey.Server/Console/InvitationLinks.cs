namespace Latchkey.Server.Console;

/// <summary>The code of an invitation link, taken out of the request path.</summary>
internal sealed record InvitationCode(string Value);

internal static class InvitationLinks
{
    public const string PagePath = "/invite";

    /// <summary>The link to send to the invited person: on Latchkey:PublicUrl when set, else on the address the request came to.</summary>
    public static string Url(HttpContext http, string code)
    {
        ArgumentNullException.ThrowIfNull(http);
        var publicUrl = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<LatchkeyOptions>>().Value.PublicUrl;
        return $"{(publicUrl ?? $"{http.Request.Scheme}://{http.Request.Host}").TrimEnd('/')}{PagePath}/{code}";
    }

    /// <summary>
    /// An invitation link is <c>/invite/{code}</c>. Before routing (whose debug log, like others,
    /// names the request path) the code moves from the path into a request feature and the path
    /// becomes <c>/invite</c>, so the code, a password-setting secret, never reaches a log line.
    /// </summary>
    public static IApplicationBuilder UseInvitationLinks(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        if (http.Request.Path.StartsWithSegments(PagePath, StringComparison.OrdinalIgnoreCase, out var rest) && rest.Value is { Length: > 1 } code)
        {
            http.Features.Set(new InvitationCode(code[1..]));
            http.Request.Path = PagePath;
        }

        return next(http);
    });
}
