namespace Latchkey.Server.Tests.Console;

/// <summary>What every console response must carry.</summary>
public static class SecurityHeaders
{
    public static void AssertPresent(string what, Func<string, string?> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var csp = header("Content-Security-Policy") ?? "";
        Assert.True(csp.Contains("default-src 'self'", StringComparison.Ordinal), $"{what}: CSP '{csp}'");
        Assert.True(csp.Contains("script-src 'self';", StringComparison.Ordinal), $"{what}: CSP '{csp}' must allow scripts from our own files only");
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("form-action 'self'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", header("X-Content-Type-Options"));
        Assert.Equal("no-referrer", header("Referrer-Policy"));
        Assert.Equal("DENY", header("X-Frame-Options"));
    }
}
