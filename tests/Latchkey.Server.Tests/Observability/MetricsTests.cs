using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Latchkey.Core.Contracts;
using Latchkey.Core.Tokens;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Observability;

public class MetricsTests
{
    [Fact]
    public async Task Metrics_pass_promtool_and_the_counters_move_with_traffic()
    {
        var promtool = Requires.Program("promtool");
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        using var scraper = app.Client(admin);
        var before = Parse(await scraper.GetStringAsync("/metrics"));

        var token = await app.CreateTokenAsync(admin, new CreateTokenRequest("scraped", ExpiresInDays: 3));
        using (var user = app.Client(token.Secret))
        {
            Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await user.GetAsync("/auth/verify?scope=metrics:read")).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync($"/api/v1/tokens/{token.Id}")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await user.GetAsync("/auth/verify")).StatusCode);
        }

        using (var garbage = app.Client(TokenFormat.Generate()[..^6] + "000000"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await garbage.GetAsync("/auth/verify")).StatusCode);
        }

        var response = await scraper.GetAsync("/metrics");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        var (code, problems) = await CheckAsync(promtool, text);
        Assert.True(code == 0, $"promtool: {problems}\n{text}");

        var after = Parse(text);
        double Moved(string series) => after.GetValueOrDefault(series) - before.GetValueOrDefault(series);
        Assert.Equal(2, Moved("latchkey_verifications_total{door=\"forward-auth\",outcome=\"valid\"}"));
        Assert.Equal(1, Moved("latchkey_verifications_total{door=\"forward-auth\",outcome=\"revoked\"}"));
        Assert.Equal(1, Moved("latchkey_verifications_total{door=\"forward-auth\",outcome=\"malformed\"}"));
        Assert.Equal(1, Moved("latchkey_tokens_created_total"));
        Assert.Equal(1, Moved("latchkey_tokens_revoked_total"));
        Assert.True(Moved("latchkey_verification_cache_hits_total") >= 1);
        Assert.Equal(4, Moved("latchkey_verification_duration_seconds_count{door=\"forward-auth\"}"));
        Assert.Equal(1, after["latchkey_tokens_active"]);
        Assert.Equal(0, after["latchkey_tokens_expiring_7d"]);
        Assert.DoesNotContain(token.Id, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_need_a_token_with_metrics_read_unless_opened_for_a_private_listener()
    {
        await using var app = await TestApp.StartAsync();
        using var anonymous = app.Client();
        using var member = app.Client(await app.AddUserAsync("member@example.test"));
        using var reader = app.Client(await app.AddUserAsync("scraper@example.test", role: Latchkey.Server.Iam.Roles.MetricsReader));

        await Api.AssertProblemAsync(await anonymous.GetAsync("/metrics"), HttpStatusCode.Unauthorized);
        await Api.AssertProblemAsync(await member.GetAsync("/metrics"), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/metrics")).StatusCode);

        await using var open = await TestApp.StartAsync(new() { [Latchkey.Server.Observability.MetricsEndpoint.AllowAnonymousSetting] = "true" });
        using var scraper = open.Client();
        Assert.Equal(HttpStatusCode.OK, (await scraper.GetAsync("/metrics")).StatusCode);
    }

    private static Dictionary<string, double> Parse(string text) =>
        text.Split('\n').Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => Regex.Match(l, @"^(\S+) (\S+)$"))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));

    private static async Task<(int Code, string Output)> CheckAsync(string promtool, string metrics)
    {
        using var process = Process.Start(new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.StandardInput.WriteAsync(metrics);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }
}
