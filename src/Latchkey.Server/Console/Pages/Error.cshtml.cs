using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages;

/// <summary>
/// What a console error status looks like (the status-code pages re-execute here, keeping the
/// status). It answers any method, without antiforgery, since a failed POST lands here too.
/// </summary>
[IgnoreAntiforgeryToken]
internal sealed class ErrorModel : ConsolePageModel
{
    public int Code => int.TryParse(RouteData.Values["code"] as string, out var code) ? code : StatusCodes.Status404NotFound;

    public string Title => Code switch
    {
        StatusCodes.Status400BadRequest => "The form could not be accepted",
        StatusCodes.Status403Forbidden or StatusCodes.Status404NotFound => "Not found",
        StatusCodes.Status429TooManyRequests => "Too many attempts",
        >= 500 => "Something went wrong",
        _ => "That did not work",
    };

    public string Message => Code switch
    {
        StatusCodes.Status400BadRequest =>
            "The form was sent without its security token, or the token had expired (for instance after signing in again in another tab). Go back, reload the page and try again.",
        StatusCodes.Status403Forbidden or StatusCodes.Status404NotFound =>
            "There is nothing at this address, or it is not yours to see. Check the link, or ask an organization admin for access.",
        StatusCodes.Status429TooManyRequests => "Too many sign-in attempts came from your address. Wait a minute and try again.",
        >= 500 => "The server could not finish this request; it has been logged. Try again shortly.",
        _ => "The server could not do what was asked.",
    };
}
