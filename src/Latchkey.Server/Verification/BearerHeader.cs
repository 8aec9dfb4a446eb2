namespace Latchkey.Server.Verification;

internal static class BearerHeader
{
    /// <summary>The credential of an <c>Authorization: Bearer</c> header (RFC 6750: the scheme is case-insensitive); null without one.</summary>
    public static string? Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string? header = request.Headers.Authorization;
        return header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
    }
}
