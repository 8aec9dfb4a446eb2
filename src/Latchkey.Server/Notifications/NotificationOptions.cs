namespace Latchkey.Server.Notifications;

/// <summary>
/// The <c>Latchkey:Notifications</c> section: where owner notices go (e-mail, a webhook, or both)
/// and how delivery is retried. With no channel configured nothing is sent and the expiry job does
/// not run; notices that other features queue wait until a channel is configured.
/// </summary>
public sealed class NotificationOptions
{
    public const string Section = "Latchkey:Notifications";

    public SmtpOptions Smtp { get; set; } = new();
    public WebhookOptions Webhook { get; set; } = new();

    /// <summary>How often each replica looks for notices that are due. Zero turns the loop off (on replicas that should not send).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each replica looks for tokens that expire soon. Zero turns the job off.</summary>
    public TimeSpan ExpiryCheckInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Tries per notice before it is given up (and audited as <c>notice.failed</c>).</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The wait after the first failed try; it doubles with every further one.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(6);

    /// <summary>
    /// How long a claimed notice belongs to the replica that claimed it. A replica that dies while
    /// sending leaves the notice to another one after this long.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Notices claimed per look.</summary>
    public int BatchSize { get; set; } = 50;

    public bool AnyChannel => Smtp.Enabled || Webhook.Enabled;
}

public sealed class SmtpOptions
{
    /// <summary>The mail server (a relay). E-mail is off while this is empty.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>
    /// <c>starttls</c> (required), <c>tls</c> (TLS from the first byte, port 465) or <c>none</c>.
    /// Default: <c>none</c> for a relay on loopback, <c>starttls</c> for any other host, so that a
    /// password and the messages never cross a network in the clear unless asked for.
    /// </summary>
    public string? Security { get; set; }

    public string From { get; set; } = "latchkey@localhost";

    public string? UserName { get; set; }

    public string? Password { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);
}

public sealed class WebhookOptions
{
    /// <summary>Where notices are POSTed as JSON. The webhook is off while this is empty.</summary>
    public Uri? Url { get; set; }

    /// <summary>Signs every request (header <c>Latchkey-Signature</c>); required with <see cref="Url"/>.</summary>
    public string? Secret { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool Enabled => Url is not null;
}
