using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Notifications;

/// <summary>Expiry warnings by e-mail: once per token and threshold, across repeated runs (and, on PostgreSQL, across replicas).</summary>
public class ExpiryWarningTests
{
    [Fact]
    public async Task A_token_is_warned_30_7_and_1_days_before_it_expires_once_each_across_repeated_runs()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var app = await TestApp.StartAsync(Notify.Settings(smtp.Settings()));
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("ci-deploy", ExpiresInDays: 40));

        // Days from now at which the jobs run, and the warning each point is due (none at the start).
        foreach (var (day, expected) in new (double Day, int? Threshold)[] { (0, null), (11, 30), (34, 7), (39.5, 1), (41, null) })
        {
            app.Time.SetUtcNow(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero).AddDays(day));
            var before = smtp.Received.Count;
            for (var run = 0; run < 2; run++)
            {
                await app.CheckExpiryAsync();
                await app.DeliverAsync();
            }

            var keys = await Task.WhenAll(smtp.Received.Skip(before).Select(app.KeyOfAsync));
            string[] wanted = expected is { } days ? [$"token.expiring:{days}:{token.Id}"] : [];
            Assert.Equal(wanted, keys.Where(k => k.EndsWith(token.Id, StringComparison.Ordinal)));
        }

        var mails = smtp.Received.Where(m => m.Message.Subject!.Contains("ci-deploy", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, mails.Count);
        Assert.All(mails, m => Assert.Equal(TestApp.AdminEmail, Assert.Single(m.To)));
        Assert.Contains("expires within 7 days", mails[1].Message.Subject, StringComparison.Ordinal);
        Assert.Contains($"expires on {token.ExpiresAt:yyyy-MM-dd HH:mm} UTC", mails[1].Message.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Secret, string.Join('\n', mails.Select(m => m.Message.ToString())), StringComparison.Ordinal);
        var keysSent = await Task.WhenAll(smtp.Received.Select(app.KeyOfAsync));
        Assert.Equal(keysSent.Length, keysSent.Distinct().Count());
    }

    [Fact]
    public async Task A_token_first_seen_5_days_before_expiry_gets_the_7_day_warning_alone_and_short_lived_tokens_get_none()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var app = await TestApp.StartAsync(Notify.Settings(smtp.Settings()));
        var admin = await app.LoginAsync();
        var late = await app.CreateTokenAsync(admin, new CreateTokenRequest("seen late", ExpiresInDays: 60));
        var shortLived = await app.CreateTokenAsync(admin, new CreateTokenRequest("twelve hours", ExpiresAt: app.Time.GetUtcNow().AddHours(12)));
        var week = await app.CreateTokenAsync(admin, new CreateTokenRequest("one week", ExpiresInDays: 7));

        await app.CheckExpiryAsync();
        Assert.Equal(0, await app.DeliverAsync());

        app.Time.Advance(TimeSpan.FromDays(6.5));
        await app.CheckExpiryAsync();
        await app.DeliverAsync();
        app.Time.Advance(TimeSpan.FromDays(48.5));
        await app.CheckExpiryAsync();
        await app.DeliverAsync();

        var keys = await Task.WhenAll(smtp.Received.Select(app.KeyOfAsync));
        Assert.Contains($"token.expiring:7:{late.Id}", keys);
        Assert.DoesNotContain($"token.expiring:30:{late.Id}", keys);
        Assert.Contains($"token.expiring:1:{week.Id}", keys);
        Assert.DoesNotContain($"token.expiring:7:{week.Id}", keys);
        Assert.DoesNotContain(keys, k => k.EndsWith(shortLived.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_tokens_page_shows_a_banner_for_the_callers_tokens_that_expire_within_7_days()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        await app.CreateTokenAsync(admin, new CreateTokenRequest("nightly-backup", ExpiresInDays: 30));
        await app.CreateTokenAsync(admin, new CreateTokenRequest("long-haul", ExpiresInDays: 90));
        var member = await app.AddUserAsync("dev@example.test");
        await app.CreateTokenAsync(member, new CreateTokenRequest("someone-elses", ExpiresInDays: 30));

        using (var early = await ConsoleClient.SignInAsync(app))
        {
            Assert.DoesNotContain("expiring-soon", early.Html, StringComparison.Ordinal);
        }

        app.Time.Advance(TimeSpan.FromDays(27));
        using var console = await ConsoleClient.SignInAsync(app);
        await console.GetAsync("/tokens?status=revoked");
        var banner = System.Text.RegularExpressions.Regex.Match(console.Html, "<div[^>]*id=\"expiring-soon\".*?</div>", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.True(banner.Success, console.Html);
        Assert.Contains("nightly-backup", banner.Value, StringComparison.Ordinal);
        Assert.Contains("in 3 days", banner.Value, StringComparison.Ordinal);
        Assert.DoesNotContain("long-haul", banner.Value, StringComparison.Ordinal);
        Assert.DoesNotContain("someone-elses", banner.Value, StringComparison.Ordinal);
    }

#if POSTGRES
    [Fact]
    public async Task Two_replicas_running_the_job_and_the_delivery_at_once_send_each_warning_once()
    {
        await using var smtp = TestSmtpServer.Start();
        await using var a = await TestApp.StartAsync(Notify.Settings(smtp.Settings()));
        await using var b = await a.StartReplicaAsync();
        var admin = await a.LoginAsync();
        var tokens = new List<CreatedToken>();
        for (var i = 0; i < 10; i++)
        {
            tokens.Add(await a.CreateTokenAsync(admin, new CreateTokenRequest($"token {i}", ExpiresInDays: 40 + i)));
        }

        foreach (var day in new[] { 20.0, 36, 39.5 })
        {
            a.Time.SetUtcNow(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero).AddDays(day));
            await Task.WhenAll(a.CheckExpiryAsync(), b.CheckExpiryAsync(), a.CheckExpiryAsync(), b.CheckExpiryAsync());
            await Task.WhenAll(a.DeliverAsync(), b.DeliverAsync(), a.DeliverAsync(), b.DeliverAsync());
        }

        // Tokens 0-9 expire on days 40-49: on day 20 all are within 30 days, on day 36 tokens 0-3 within 7,
        // on day 39.5 tokens 4-6 join them and token 0 is within a day.
        var expected = tokens.Select(t => $"token.expiring:30:{t.Id}")
            .Concat(tokens.Take(7).Select(t => $"token.expiring:7:{t.Id}"))
            .Append($"token.expiring:1:{tokens[0].Id}");
        var keys = (await Task.WhenAll(smtp.Received.Select(a.KeyOfAsync))).Where(k => tokens.Any(t => k.EndsWith(t.Id, StringComparison.Ordinal)));
        Assert.Equal(expected.Order(), keys.Order());
    }
#endif
}
