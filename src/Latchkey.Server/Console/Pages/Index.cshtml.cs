using Microsoft.AspNetCore.Mvc;

namespace Latchkey.Server.Console.Pages;

/// <summary>The console starts at the token list (signing in first, through the cookie challenge).</summary>
internal sealed class IndexModel : ConsolePageModel
{
    public IActionResult OnGet() => Redirect("/tokens");
}
