using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests.Notifications;

/// <summary>Delivery of owner notices: the signed webhook, retries with backoff driven by the fake clock, giving up, and the timer loop.</summary>
public class NoticeDeliveryTests
{
    [Fact]
    public async Task The_webhook_gets_signed_json_that_a_receiver_verifies_with_the_shared_secret()
    {
        await using var receiver = await TestWebhookReceiver.StartAsync();
        await using var app = await TestApp.StartAsync(Notify.Settings(receiver.Settings()));
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("ci-deploy", ExpiresInDays: 20));
        var notice = await app.QueueAsync(token.Id);

        Assert.Equal(1, await app.DeliverAsync());

        var request = Assert.Single(receiver.Received);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        Assert.Equal(app.Time.GetUtcNow().ToUnixTimeSeconds(), Verify(request.Signature!, request.Body, TestWebhookReceiver.Secret));
        var tampered = request.Body.ToArray();
        tampered[^2] ^= 1;
        Assert.Null(Verify(request.Signature!, tampered, TestWebhookReceiver.Secret));
        Assert.Null(Verify(request.Signature!, request.Body, "another secret"));

        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal("token.test", body.GetProperty("kind").GetString());
        Assert.Equal("default", body.GetProperty("organization").GetString());
        Assert.Equal(TestApp.AdminEmail, body.GetProperty("user").GetProperty("email").GetString());
        Assert.Equal(notice.UserId, body.GetProperty("user").GetProperty("id").GetGuid());
        Assert.Equal(token.Id, body.GetProperty("token").GetProperty("id").GetString());
        Assert.Equal("ci-deploy", body.GetProperty("token").GetProperty("name").GetString());
        Assert.Equal(token.ExpiresAt, body.GetProperty("token").GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal(notice.Subject, body.GetProperty("subject").GetString());
        Assert.Equal(notice.Text, body.GetProperty("text").GetString());
        Assert.Equal(notice.Id, body.GetProperty("noticeId").GetGuid());

        var delivered = await app.NoticeAsync(notice.DedupKey);
        Assert.NotNull(delivered.DeliveredAt);
        Assert.Null(delivered.DueAt);
        Assert.Equal(0, await app.DeliverAsync());
        Assert.Single(receiver.Received);
    }

    [Fact]
    public async Task A_failing_webhook_is_retried_after_doubling_delays_then_given_up_with_an_audit_entry()
    {
        await using var receiver = await TestWebhookReceiver.StartAsync();
        receiver.Otherwise = HttpStatusCode.InternalServerError;
        await using var app = await TestApp.StartAsync(Notify.Settings(receiver.Settings(), new()
        {
            ["Latchkey:Notifications:MaxAttempts"] = "3",
            ["Latchkey:Notifications:RetryDelay"] = "00:01:00",
        }));
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("ci-deploy"));
        var notice = await app.QueueAsync(token.Id);

        // Try 1 now; try 2 one minute later; try 3 two minutes after that. Runs in between send nothing.
        foreach (var (wait, tries) in new (int Seconds, int Tries)[] { (0, 1), (0, 1), (59, 1), (1, 2), (60, 2), (60, 3), (86_400, 3) })
        {
            app.Time.Advance(TimeSpan.FromSeconds(wait));
            Assert.Equal(0, await app.DeliverAsync());
            Assert.Equal(tries, receiver.Received.Count);
        }

        var given = await app.NoticeAsync(notice.DedupKey);
        Assert.Equal(3, given.Attempts);
        Assert.NotNull(given.GaveUpAt);
        Assert.Null(given.DueAt);
        Assert.Null(given.DeliveredAt);
        Assert.Contains("webhook: the webhook answered HTTP 500", given.LastError, StringComparison.Ordinal);
        var audit = await app.WithStoreAsync(db => db.AuditEvents.SingleAsync(e => e.Action == "notice.failed"));
        Assert.Equal("failure", audit.Outcome);
        Assert.Equal(notice.Id.ToString(), audit.TargetId);
        Assert.Equal(notice.OrganizationId, audit.OrganizationId);
        Assert.Contains(token.Id, audit.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_that_recovers_gets_the_notice_on_the_next_try()
    {
        await using var receiver = await TestWebhookReceiver.StartAsync();
        receiver.Statuses.Enqueue(HttpStatusCode.ServiceUnavailable);
        await using var smtp = TestSmtpServer.Start();
        smtp.Refusals.Enqueue("451 4.3.0 Try again later");
        await using var app = await TestApp.StartAsync(Notify.Settings(receiver.Settings(), smtp.Settings()));
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("ci-deploy"));
        var notice = await app.QueueAsync(token.Id);

        Assert.Equal(0, await app.DeliverAsync());
        var failed = await app.NoticeAsync(notice.DedupKey);
        Assert.Contains("email: the mail server refused (451)", failed.LastError, StringComparison.Ordinal);
        Assert.Contains("webhook: the webhook answered HTTP 503", failed.LastError, StringComparison.Ordinal);
        Assert.Equal(app.Time.GetUtcNow().AddMinutes(1), failed.DueAt);

        app.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await app.DeliverAsync());

        var delivered = await app.NoticeAsync(notice.DedupKey);
        Assert.Equal(2, delivered.Attempts);
        Assert.NotNull(delivered.DeliveredAt);
        Assert.Null(delivered.LastError);
        var mail = Assert.Single(smtp.Received);
        Assert.Equal(TestApp.AdminEmail, Assert.Single(mail.To));
        Assert.Equal($"{notice.Id}@example.test", mail.Message.MessageId);
        Assert.Equal(2, receiver.Received.Count);
    }

    [Fact]
    public async Task The_timer_loop_sends_notices_that_fall_due_without_being_asked()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var app = await TestApp.StartAsync(Notify.Settings(smtp.Settings(), new() { ["Latchkey:Notifications:PollInterval"] = "00:01:00" }));
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("ci-deploy"));
        var notice = await app.QueueAsync(token.Id);
        // Due only after the next tick: no run that started before the clock moved can pick it up.
        await app.WithStoreAsync(db => db.OwnerNotices.Where(n => n.Id == notice.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.DueAt, (DateTimeOffset?)app.Time.GetUtcNow().AddMinutes(1))));

        app.Time.Advance(TimeSpan.FromMinutes(1));

        var mail = await smtp.NextAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(notice.DedupKey, await app.KeyOfAsync(mail));
    }

    /// <summary>
    /// What the README tells receivers to do: split <c>t=..,v1=..</c>, HMAC-SHA256 over "t.body" with
    /// the shared secret, compare in constant time. Returns the signed time, or null when it does not match.
    /// </summary>
    private static long? Verify(string header, byte[] body, string secret)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var signed = Encoding.UTF8.GetBytes(parts["t"] + ".").Concat(body).ToArray();
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(parts["v1"])) ? long.Parse(parts["t"], System.Globalization.CultureInfo.InvariantCulture) : null;
    }
}
