namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>
/// A test that needs a program the machine lacks is skipped with the reason; where
/// LATCHKEY_TEST_REQUIRE_ALL=1 (CI) it fails instead, so nothing is silently left untested.
/// </summary>
public static class Requires
{
    public static string Program(string name)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(System.IO.File.Exists);
        return found ?? Missing($"'{name}' is not installed (apt-get install {name})");
    }

    public static void File(string path, string what)
    {
        if (!System.IO.File.Exists(path))
        {
            Missing($"{what} is not installed ({path} is missing)");
        }
    }

    /// <summary>Debian's Chromium, which the browser tests drive (never a browser build of Playwright's own).</summary>
    public static string Chromium()
    {
        const string path = "/usr/bin/chromium";
        return System.IO.File.Exists(path) ? path : Missing($"{path} is missing (apt-get install chromium)");
    }

    /// <summary>Something the test needs of the machine itself (root, a mount), with the reason it is missing.</summary>
    public static void Capability(bool present, string reason)
    {
        if (!present)
        {
            Missing(reason);
        }
    }

    private static string Missing(string reason)
    {
        if (Environment.GetEnvironmentVariable("LATCHKEY_TEST_REQUIRE_ALL") == "1")
        {
            Assert.Fail(reason + "; LATCHKEY_TEST_REQUIRE_ALL=1 makes this a failure.");
        }

        Assert.Skip(reason);
        return null!;
    }
}
