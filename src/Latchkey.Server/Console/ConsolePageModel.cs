using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Latchkey.Server.Console;

/// <summary>What every console page has: the signed-in user, and errors shown next to the field they concern.</summary>
internal abstract class ConsolePageModel : PageModel
{
    protected ConsoleUser Me =>
        HttpContext.Features.Get<ConsoleUser>() ?? throw new InvalidOperationException("Console pages run only for a signed-in user.");

    /// <summary>Field name to message. An entry under "" is about the whole form.</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public IHtmlContent ErrorFor(string field) =>
        Errors.TryGetValue(field, out var message)
            ? new HtmlString($"<p class=\"field-error\" id=\"{field}-error\">{HtmlEncoder.Default.Encode(message)}</p>")
            : HtmlString.Empty;

    /// <summary>For aria-invalid: "true", or null so that Razor leaves the attribute out.</summary>
    public string? InvalidFor(string field) => Errors.ContainsKey(field) ? "true" : null;

    /// <summary>For aria-describedby: the error's id (and the hint's, if any), or null.</summary>
    public string? DescribedBy(string field, string? hint = null) =>
        Errors.ContainsKey(field) ? (hint is null ? $"{field}-error" : $"{field}-error {hint}") : hint;

    /// <summary>Answers that show a secret (or could reveal one) are kept by no cache; the API's headers already say so for every response.</summary>
    protected void NoStore() => Response.Headers.CacheControl = "no-store";
}
