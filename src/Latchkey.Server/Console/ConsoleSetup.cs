using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Console;

/// <summary>The web console: server-rendered Razor Pages under its own cookie scheme.</summary>
internal static class ConsoleSetup
{
    /// <summary>Paths the console owns: their errors are pages, not problem+json.</summary>
    private static readonly string[] Sections = ["/signin", "/signout", "/tokens", "/clusters", "/access", "/audit", "/settings", "/account", "/invite", "/error", "/static"];

    public static bool Owns(PathString path) => path == "/" || Sections.Any(section => path.StartsWithSegments(section, StringComparison.OrdinalIgnoreCase));

    public static IServiceCollection AddConsole(this IServiceCollection services)
    {
        services.AddRazorPages(pages =>
            {
                pages.RootDirectory = "/Console/Pages";
                pages.Conventions.AuthorizeFolder("/", ConsoleAuthentication.Policy);
                pages.Conventions.AllowAnonymousToPage("/SignIn");
                pages.Conventions.AllowAnonymousToPage("/Invite");
                pages.Conventions.AllowAnonymousToPage("/Error");
            })
            // The pages live in this assembly whatever the entry assembly is (the server, tests, benchmarks).
            .ConfigureApplicationPartManager(parts =>
            {
                var assembly = typeof(ConsoleSetup).Assembly;
                parts.ApplicationParts.Clear();
                foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
                {
                    parts.ApplicationParts.Add(part);
                }
            });

        services.AddAuthorizationBuilder().AddPolicy(ConsoleAuthentication.Policy,
            policy => policy.AddAuthenticationSchemes(ConsoleAuthentication.Scheme).RequireAuthenticatedUser());
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "latchkey-antiforgery";
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            antiforgery.HeaderName = null;
            // ConsoleHeaders sends DENY for every response; SAMEORIGIN from here would contradict it.
            antiforgery.SuppressXFrameOptionsHeader = true;
        });

        // Session cookies and antiforgery tokens must survive a restart: their keys live in the
        // data folder (0700) beside the token key, not in the service user's home.
        services.AddDataProtection().SetApplicationName("latchkey");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<LatchkeyOptions>, ILoggerFactory>((keys, latchkey, logs) =>
            keys.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(Path.Combine(latchkey.Value.DataDir, "console-keys")), logs));

        services.AddSingleton<FormNonces>();
        return services;
    }

    /// <summary>Console paths answer an error status with a page that says what to do, not with problem+json.</summary>
    public static IApplicationBuilder UseConsoleErrorPages(this IApplicationBuilder app) =>
        app.UseWhen(http => Owns(http.Request.Path), console => console.UseStatusCodePagesWithReExecute("/error/{0}"));

    /// <summary>Before routing: security headers, invitation codes out of the path, and the console's two static files.</summary>
    public static IApplicationBuilder UseConsole(this IApplicationBuilder app)
    {
        app.UseConsoleHeaders();
        app.UseInvitationLinks();
        return app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new EmbeddedFileProvider(typeof(ConsoleSetup).Assembly, "Latchkey.Server.wwwroot"),
            RequestPath = "/static",
        });
    }

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        app.MapRazorPages();
        return app;
    }
}
