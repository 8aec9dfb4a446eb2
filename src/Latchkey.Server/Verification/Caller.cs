namespace Latchkey.Server.Verification;

/// <summary>The authenticated user and the token they came with; bound as an endpoint parameter.</summary>
internal sealed record Caller(TokenGrant Grant)
{
    public Guid UserId => Grant.UserId;
    public Guid OrganizationId => Grant.OrganizationId;
    public string TokenId => Grant.TokenId;

    public static ValueTask<Caller?> BindAsync(HttpContext http) => ValueTask.FromResult(http.Features.Get<Caller>());
}
