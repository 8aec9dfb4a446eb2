using Latchkey.Data;
using Latchkey.Server.Notifications;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests.Notifications;

/// <summary>Drives owner notices from a test: the loops are off, and the test runs each job when it wants.</summary>
internal static class Notify
{
    public static Dictionary<string, string?> Settings(params Dictionary<string, string?>[] channels)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Latchkey:Notifications:PollInterval"] = "00:00:00",
            ["Latchkey:Notifications:ExpiryCheckInterval"] = "00:00:00",
        };
        foreach (var (key, value) in channels.SelectMany(c => c))
        {
            settings[key] = value;
        }

        return settings;
    }

    public static Task<int> DeliverAsync(this TestApp app) => app.Services.GetRequiredService<NoticeDelivery>().RunOnceAsync();

    public static Task<int> CheckExpiryAsync(this TestApp app) => app.Services.GetRequiredService<ExpiryWarnings>().RunOnceAsync();

    /// <summary>Queues a notice about one of the admin's tokens, as the other features do.</summary>
    public static async Task<OwnerNotice> QueueAsync(this TestApp app, string tokenId, string kind = "token.test")
    {
        var token = await app.WithStoreAsync(db => db.AccessTokens.SingleAsync(t => t.Id == tokenId));
        Assert.True(await app.Services.GetRequiredService<OwnerNotices>().TryQueueAsync(token.OrganizationId, token.UserId, token.Id, kind,
            $"{kind}:{token.Id}", $"About token {token.Name}", $"Something happened to token {token.Id}."));
        return await app.NoticeAsync($"{kind}:{token.Id}");
    }

    public static Task<OwnerNotice> NoticeAsync(this TestApp app, string dedupKey) =>
        app.WithStoreAsync(db => db.OwnerNotices.AsNoTracking().SingleAsync(n => n.DedupKey == dedupKey));

    /// <summary>The dedup key of the notice a message was sent for (its Message-ID is the notice id).</summary>
    public static async Task<string> KeyOfAsync(this TestApp app, ReceivedMail mail)
    {
        var id = Guid.Parse(mail.Message.MessageId!.Split('@')[0]);
        return await app.WithStoreAsync(db => db.OwnerNotices.Where(n => n.Id == id).Select(n => n.DedupKey).SingleAsync());
    }
}
