namespace Latchkey.Server.Notifications;

/// <summary>One way of telling a token's owner (e-mail, the operator's webhook).</summary>
internal interface INoticeChannel
{
    /// <summary>Short, for logs and <c>LastError</c>: <c>email</c>, <c>webhook</c>.</summary>
    string Name { get; }

    bool Enabled { get; }

    /// <summary>Throws <see cref="NoticeNotSentException"/> (with a reason that holds no secret) when the message did not get through.</summary>
    Task SendAsync(NoticeMessage message, CancellationToken cancellationToken);
}

/// <summary>A notice with what a channel needs to address and describe it. Never holds a secret.</summary>
internal sealed record NoticeMessage(
    Guid NoticeId,
    string Kind,
    string Subject,
    string Text,
    string Organization,
    Guid UserId,
    string Email,
    NoticeToken? Token);

internal sealed record NoticeToken(string Id, string? Name, DateTimeOffset? ExpiresAt);

/// <summary>
/// A channel could not deliver. The message is written to the store and the logs, so it says what
/// failed (status, refusal, timeout) and never carries a URL, a password or a webhook secret.
/// </summary>
internal sealed class NoticeNotSentException(string reason, Exception? inner = null) : Exception(reason, inner);
