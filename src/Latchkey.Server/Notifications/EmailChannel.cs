using System.Net;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Latchkey.Server.Notifications;

/// <summary>Sends a notice as a plain-text e-mail to the token's owner through the configured SMTP relay.</summary>
internal sealed class EmailChannel(IOptions<NotificationOptions> options) : INoticeChannel
{
    private readonly SmtpOptions smtp = options.Value.Smtp;

    public string Name => "email";

    public bool Enabled => smtp.Enabled;

    public async Task SendAsync(NoticeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var mail = Compose(message);
        using var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(smtp.Host!, smtp.Port, Security(), cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(smtp.UserName))
            {
                await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? "", cancellationToken).ConfigureAwait(false);
            }

            await client.SendAsync(mail, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Reason(e) is { } reason && !cancellationToken.IsCancellationRequested)
        {
            throw new NoticeNotSentException(reason, e);
        }

        try
        {
            await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (Reason(e) is not null)
        {
            // The message was accepted; a failed goodbye changes nothing.
        }
    }

    private MimeMessage Compose(NoticeMessage message)
    {
        if (!MailboxAddress.TryParse(smtp.From, out var from))
        {
            throw new NoticeNotSentException($"{NotificationOptions.Section}:Smtp:From is not an e-mail address.");
        }

        if (!MailboxAddress.TryParse(message.Email, out var to))
        {
            throw new NoticeNotSentException("the owner's e-mail address cannot be written to a mail header.");
        }

        var mail = new MimeMessage();
        mail.From.Add(from);
        mail.To.Add(to);
        mail.Subject = message.Subject;
        // One Message-ID per notice: a retry after a lost answer is recognisable as the same message.
        mail.MessageId = $"{message.NoticeId}@{from.Domain}";
        mail.Headers.Add("Auto-Submitted", "auto-generated");
        mail.Headers.Add("X-Latchkey-Kind", message.Kind);
        mail.Body = new TextPart("plain") { Text = message.Text };
        return mail;
    }

    private SecureSocketOptions Security() => smtp.Security?.Trim().ToLowerInvariant() switch
    {
        null or "" => IsLoopback(smtp.Host!) ? SecureSocketOptions.None : SecureSocketOptions.StartTls,
        "starttls" => SecureSocketOptions.StartTls,
        "tls" => SecureSocketOptions.SslOnConnect,
        "none" => SecureSocketOptions.None,
        var other => throw new NoticeNotSentException($"{NotificationOptions.Section}:Smtp:Security '{other}' is not one of starttls, tls or none."),
    };

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

    /// <summary>What went wrong, in words that hold no password; null for errors that are not about sending.</summary>
    private static string? Reason(Exception e) => e switch
    {
        SmtpCommandException refused => $"the mail server refused ({(int)refused.StatusCode}): {Clip(refused.Message)}",
        AuthenticationException => "the mail server did not accept the configured user name and password",
        SslHandshakeException => "TLS with the mail server failed",
        SmtpProtocolException => "the mail server broke the SMTP protocol",
        SocketException socket => $"cannot connect to the mail server ({socket.SocketErrorCode})",
        TimeoutException or OperationCanceledException => "the mail server did not answer in time",
        IOException => "the connection to the mail server broke",
        NotSupportedException unsupported => Clip(unsupported.Message),
        ServiceNotConnectedException => "the connection to the mail server was lost",
        _ => null,
    };

    private static string Clip(string text) => text.Length > 200 ? text[..200] : text;
}
