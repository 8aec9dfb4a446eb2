namespace Latchkey.Server.Notifications;

internal static class NotificationSetup
{
    /// <summary>The channels, the delivery loop and the expiry job; each job is also a singleton so that tests can run it once.</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section);
        services.AddSingleton<INoticeChannel, EmailChannel>();
        services.AddSingleton<INoticeChannel, WebhookChannel>();
        services.AddSingleton<NoticeDelivery>();
        services.AddSingleton<ExpiryWarnings>();
        services.AddHostedService(sp => sp.GetRequiredService<NoticeDelivery>());
        services.AddHostedService(sp => sp.GetRequiredService<ExpiryWarnings>());
        return services;
    }
}
