namespace Latchkey.Core.Kubeconfigs;

/// <summary>
/// What a cluster's API server URL may be, for the server that registers it and the CLI that
/// writes it into kubeconfig files: https:// (http:// only where the caller allows it), a host, an
/// optional port and path, and nothing else. A user name or password, a query, a fragment, white
/// space or a control character would end up in kubeconfig files, where kubectl would act on them.
/// </summary>
public static class ClusterServer
{
    public const int MaxLength = 2048;

    public const string Shape = "The server must be the API server's URL: https://, a host, an optional port and path, such as https://k8s.example.com:6443.";

    /// <summary>Why <paramref name="text"/> is not such a URL, or null when it is.</summary>
    public static string? Problem(string? text, bool allowHttp)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxLength || text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
            || !Uri.TryCreate(text, UriKind.Absolute, out var server) || server.Host.Length == 0)
        {
            return Shape;
        }

        if (server.Scheme is not ("https" or "http") || server.UserInfo.Length > 0 || server.Query.Length > 0 || server.Fragment.Length > 0
            || text.Contains('@', StringComparison.Ordinal) || text.Contains('#', StringComparison.Ordinal) || text.Contains('?', StringComparison.Ordinal))
        {
            return Shape + " A user name, password, query or fragment is not part of it.";
        }

        return server.Scheme == Uri.UriSchemeHttp && !allowHttp ? HttpProblem : null;
    }

    public const string HttpProblem = "The server uses http://: kubectl sends no exec credentials to an http:// server, and a token over http travels in the clear.";

    public static bool IsHttp(string server) => server.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether two server URLs name the same API server the way kubectl would reach it: scheme and
    /// host without regard to case, the default port spelled or not, a trailing slash or not.
    /// </summary>
    public static bool Same(string? a, string? b)
    {
        if (a is null || b is null || !Uri.TryCreate(a, UriKind.Absolute, out var x) || !Uri.TryCreate(b, UriKind.Absolute, out var y))
        {
            return false;
        }

        return string.Equals(x.Scheme, y.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(x.IdnHost, y.IdnHost, StringComparison.OrdinalIgnoreCase)
            && x.Port == y.Port
            && x.AbsolutePath.TrimEnd('/') == y.AbsolutePath.TrimEnd('/')
            && x.UserInfo.Length == 0 && y.UserInfo.Length == 0 && x.Query == y.Query;
    }
}
