namespace Latchkey.Data;

/// <summary>
/// A form nonce that has been used once. A form that mints a secret refuses a nonce found here,
/// so that a browser re-sending the same POST (reload, back) cannot mint a second one silently.
/// </summary>
public sealed class UsedFormNonce
{
    public required string Nonce { get; set; }
    public DateTimeOffset UsedAt { get; set; }
}
