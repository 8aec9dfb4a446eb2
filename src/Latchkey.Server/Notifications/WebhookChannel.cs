using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Notifications;

/// <summary>
/// POSTs each notice as JSON to the operator's webhook, signed with HMAC-SHA256 so the receiver
/// can tell it came from this server and was not replayed long after.
/// </summary>
internal sealed class WebhookChannel(IOptions<NotificationOptions> options, TimeProvider time) : INoticeChannel, IDisposable
{
    public const string SignatureHeader = "Latchkey-Signature";

    private readonly WebhookOptions webhook = options.Value.Webhook;

    // Redirects are not followed: the signed body goes to the configured address and nowhere else.
    private readonly HttpClient http = new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = options.Value.Webhook.Timeout,
    };

    public string Name => "webhook";

    public bool Enabled => webhook.Enabled;

    public async Task SendAsync(NoticeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (string.IsNullOrEmpty(webhook.Secret))
        {
            throw new NoticeNotSentException($"{NotificationOptions.Section}:Webhook:Secret is not set, and unsigned webhooks are not sent.");
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(Payload.From(message), JsonSerializerOptions.Web);
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(SignatureHeader, Sign(webhook.Secret, time.GetUtcNow().ToUnixTimeSeconds(), body));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("latchkey-notices", "1"));
        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new NoticeNotSentException($"the webhook answered HTTP {(int)response.StatusCode}");
            }
        }
        catch (HttpRequestException e)
        {
            // The exception's own message may name the URL, which can hold a secret of the receiver's.
            throw new NoticeNotSentException($"cannot reach the webhook ({e.HttpRequestError})", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NoticeNotSentException($"the webhook did not answer within {webhook.Timeout.TotalSeconds:0} seconds", e);
        }
    }

    /// <summary><c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "&lt;t&gt;." + body)&gt;</c>.</summary>
    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var stamp = unixSeconds.ToString(CultureInfo.InvariantCulture);
        var signed = new byte[stamp.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(stamp + ".", signed);
        body.CopyTo(signed.AsSpan(stamp.Length + 1));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return $"t={stamp},v1={Convert.ToHexStringLower(mac)}";
    }

    public void Dispose() => http.Dispose();

    /// <summary>The JSON body, as documented in the README.</summary>
    private sealed record Payload(string Kind, string Organization, PayloadUser User, PayloadToken? Token, string Subject, string Text, Guid NoticeId)
    {
        public static Payload From(NoticeMessage m) => new(m.Kind, m.Organization, new PayloadUser(m.Email, m.UserId),
            m.Token is { } t ? new PayloadToken(t.Id, t.Name, t.ExpiresAt) : null, m.Subject, m.Text, m.NoticeId);
    }

    private sealed record PayloadUser(string Email, Guid Id);

    private sealed record PayloadToken(string Id, string? Name, DateTimeOffset? ExpiresAt);
}
