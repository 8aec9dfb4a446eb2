using System.Net;
using Latchkey.Core.Contracts;
using Latchkey.Server.Lifecycle;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Lifecycle;

public class IdleCleanupTests
{
    [Fact]
    public async Task An_idle_token_is_warned_a_week_ahead_then_revoked_at_every_door_while_used_tokens_are_kept()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var doors = await Doors.OpenAsync(app);
        var admin = await app.LoginAsync();
        var idle = await app.CreateTokenAsync(admin, new CreateTokenRequest("forgotten", ExpiresInDays: 365));
        var busy = await app.CreateTokenAsync(admin, new CreateTokenRequest("busy", ExpiresInDays: 365));
        Assert.Contains("The token policy was saved", await SetIdleDaysAsync(app, "30"), StringComparison.Ordinal);
        var job = app.Services.GetRequiredService<IdleTokenCleanup>();

        app.Time.Advance(TimeSpan.FromDays(23) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, await doors.ForwardAuthAsync(busy.Secret));
        await job.RunOnceAsync();
        Assert.Null(await WarningAsync(app, idle.Id));

        app.Time.Advance(TimeSpan.FromSeconds(1));
        await job.RunOnceAsync();
        var warning = await WarningAsync(app, idle.Id);
        Assert.NotNull(warning);
        Assert.Equal(("token.idle-warning", app.Time.GetUtcNow()), (warning.Kind, warning.CreatedAt));
        Assert.Contains($"on or after {app.Time.GetUtcNow().AddDays(7):yyyy-MM-dd HH:mm} UTC", warning.Text, StringComparison.Ordinal);
        await job.RunOnceAsync();
        Assert.Equal(1, await app.WithStoreAsync(db => db.OwnerNotices.CountAsync(n => n.TokenId == idle.Id)));

        app.Time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, await doors.ApiAsync(busy.Secret));
        await job.RunOnceAsync();
        Assert.Null(await RevocationAsync(app, idle.Id));

        app.Time.Advance(TimeSpan.FromSeconds(1));
        await job.RunOnceAsync();
        Assert.Equal("idle", await RevocationAsync(app, idle.Id));
        await doors.AssertEverywhereAsync(idle.Secret, works: false);
        await doors.AssertEverywhereAsync(busy.Secret, works: true);
        Assert.Null(await WarningAsync(app, busy.Id));
        var audit = await app.WithStoreAsync(db => db.AuditEvents.SingleAsync(e => e.Action == "token.revoke" && e.TargetId == idle.Id));
        Assert.StartsWith("idle: unused since", audit.Detail, StringComparison.Ordinal);
        Assert.Equal(1, await app.WithStoreAsync(db => db.OwnerNotices.CountAsync(n => n.DedupKey == $"token.idle-revoked:{idle.Id}")));
    }

    [Fact]
    public async Task A_token_already_idle_when_the_setting_is_turned_on_is_warned_at_once_and_revoked_a_week_later()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("ancient", ExpiresInDays: 365));
        app.Time.Advance(TimeSpan.FromDays(100));
        await SetIdleDaysAsync(app, "30");
        var job = app.Services.GetRequiredService<IdleTokenCleanup>();

        await job.RunOnceAsync();
        Assert.NotNull(await WarningAsync(app, token.Id));
        app.Time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        await job.RunOnceAsync();
        Assert.Null(await RevocationAsync(app, token.Id));

        app.Time.Advance(TimeSpan.FromSeconds(1));
        await job.RunOnceAsync();
        Assert.Equal("idle", await RevocationAsync(app, token.Id));
    }

    [Fact]
    public async Task A_token_used_after_its_warning_is_kept_and_warned_anew_when_it_goes_idle_again()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        var doors = await Doors.OpenAsync(app);
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("seasonal", ExpiresInDays: 365));
        await SetIdleDaysAsync(app, "30");
        var job = app.Services.GetRequiredService<IdleTokenCleanup>();
        app.Time.Advance(TimeSpan.FromDays(23));
        await job.RunOnceAsync();
        Assert.NotNull(await WarningAsync(app, token.Id));

        app.Time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(HttpStatusCode.OK, await doors.ApiAsync(token.Secret));
        var usedAt = app.Time.GetUtcNow();
        app.Time.Advance(TimeSpan.FromDays(10));
        await job.RunOnceAsync();
        Assert.Null(await RevocationAsync(app, token.Id));

        app.Time.Advance(TimeSpan.FromDays(13));
        await job.RunOnceAsync();
        var again = await WarningAsync(app, token.Id);
        Assert.Equal(app.Time.GetUtcNow(), again!.CreatedAt);
        Assert.Contains($"since {usedAt:yyyy-MM-dd HH:mm} UTC", again.Text, StringComparison.Ordinal);
        app.Time.Advance(TimeSpan.FromDays(7));
        await job.RunOnceAsync();
        Assert.Equal("idle", await RevocationAsync(app, token.Id));
    }

    [Fact]
    public async Task Two_runs_at_once_or_two_replicas_warn_once_and_revoke_once()
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        await using var other = TestApp.Provider == "postgres" ? await app.StartReplicaAsync() : null;
        var token = await app.CreateTokenAsync(await app.LoginAsync(), new CreateTokenRequest("contested", ExpiresInDays: 365));
        await SetIdleDaysAsync(app, "10");
        var jobs = new[] { app.Services.GetRequiredService<IdleTokenCleanup>(), (other ?? app).Services.GetRequiredService<IdleTokenCleanup>() };

        // Ten days idle: the warning is due at half the period, five days ahead.
        app.Time.Advance(TimeSpan.FromDays(5));
        var warned = await Task.WhenAll(jobs.Select(j => Task.Run(() => j.RunOnceAsync())));
        app.Time.Advance(TimeSpan.FromDays(5));
        var revoked = await Task.WhenAll(jobs.Select(j => Task.Run(() => j.RunOnceAsync())));
        await Task.WhenAll(jobs.Select(j => Task.Run(() => j.RunOnceAsync())));

        Assert.Equal(1, await app.WithStoreAsync(db => db.OwnerNotices.CountAsync(n => n.DedupKey == $"token.idle-warning:{token.Id}")));
        Assert.Equal(1, await app.WithStoreAsync(db => db.OwnerNotices.CountAsync(n => n.DedupKey == $"token.idle-revoked:{token.Id}")));
        Assert.Equal(1, await app.WithStoreAsync(db => db.AuditEvents.CountAsync(e => e.Action == "token.revoke" && e.TargetId == token.Id)));
        Assert.Equal("idle", await RevocationAsync(app, token.Id));
        // Every warning and revocation (the sign-in token goes idle too) is done by exactly one of the runs.
        Assert.Equal(await app.WithStoreAsync(db => db.OwnerNotices.CountAsync(n => n.Kind == "token.idle-warning")), warned.Sum(r => r.Warned));
        Assert.Equal(await app.WithStoreAsync(db => db.AuditEvents.CountAsync(e => e.Action == "token.revoke")), revoked.Sum(r => r.Revoked));
    }

    [Theory]
    [InlineData("0", "from 1 to 3650")]
    [InlineData("3651", "from 1 to 3650")]
    [InlineData("soon", "whole number of days")]
    public async Task A_bad_idle_period_is_refused_beside_its_field_and_changes_nothing(string days, string mentions)
    {
        await using var app = await TestApp.StartAsync(TestApp.BehindLocalProxy);
        await SetIdleDaysAsync(app, "45");

        var page = await SetIdleDaysAsync(app, days);

        Assert.Contains("id=\"idleRevokeDays-error\"", page, StringComparison.Ordinal);
        Assert.Contains(mentions, page, StringComparison.Ordinal);
        Assert.Equal(45, await app.WithStoreAsync(db => db.Organizations.Select(o => o.IdleRevokeDays).SingleAsync()));
        await SetIdleDaysAsync(app, "");
        Assert.Null(await app.WithStoreAsync(db => db.Organizations.Select(o => o.IdleRevokeDays).SingleAsync()));
    }

    /// <summary>Sets the organization's idle period as an org admin does: the settings page of the console.</summary>
    private static async Task<string> SetIdleDaysAsync(TestApp app, string days)
    {
        using var console = await ConsoleClient.SignInAsync(app);
        await console.SubmitAsync("/settings", new() { ["maxDays"] = "365", ["idleRevokeDays"] = days }, "/settings?handler=Policy");
        return console.Html;
    }

    private static Task<Latchkey.Data.OwnerNotice?> WarningAsync(TestApp app, string tokenId) =>
        app.WithStoreAsync(db => db.OwnerNotices.AsNoTracking().SingleOrDefaultAsync(n => n.DedupKey == $"token.idle-warning:{tokenId}"));

    private static Task<string?> RevocationAsync(TestApp app, string tokenId) =>
        app.WithStoreAsync(db => db.AccessTokens.Where(t => t.Id == tokenId && t.RevokedAt != null).Select(t => t.RevocationReason).SingleOrDefaultAsync());
}
