using System.Text.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests.Operations;

public class AuditExportCommandTests
{
    [Fact]
    public async Task The_audit_export_command_writes_exactly_the_lines_of_the_api_export()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        for (var i = 0; i < 3; i++)
        {
            await app.CreateTokenAsync(admin, new CreateTokenRequest($"t{i}", Note: "note with \"quotes\" and é"));
        }

        using (var bad = app.Client("lk_000000000000000000000000000000000000"))
        {
            await bad.GetAsync("/api/v1/whoami");
        }

        var other = await app.AddOrganizationAsync("other");
        await app.AddUserAsync("c@other.test", other, TestApp.OrgAdmin);
        using var client = app.Client(admin);
        var api = await (await client.GetAsync("/api/v1/audit/export")).Content.ReadAsStringAsync();

        var command = await CommandRun.AuditExportAsync(["--org", "default", .. CommandRun.StoreOf(app)]);

        Assert.True(command.ExitCode == 0, command.Error);
        Assert.Equal(3, api.Split('\n').Count(l => l.Contains("\"token.create\"", StringComparison.Ordinal)));
        Assert.Equal(api, command.Output);
    }

    [Fact]
    public async Task The_audit_export_command_filters_by_time_and_without_org_covers_every_organization()
    {
        await using var app = await TestApp.StartAsync();
        var admin = await app.LoginAsync();
        var early = await app.CreateTokenAsync(admin, new CreateTokenRequest("early"));
        var cut = app.Time.GetUtcNow().AddHours(1);
        app.Time.Advance(TimeSpan.FromDays(1));
        var late = await app.CreateTokenAsync(admin, new CreateTokenRequest("late"));
        var other = await app.AddOrganizationAsync("other");
        var otherAdmin = await app.AddUserAsync("c@other.test", other, TestApp.OrgAdmin);
        var otherToken = await app.CreateTokenAsync(otherAdmin, new CreateTokenRequest("other org"));
        var store = CommandRun.StoreOf(app);
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "audit.jsonl");

        var everything = await CommandRun.AuditExportAsync(store);
        var sinceCut = await CommandRun.AuditExportAsync(["--since", cut.ToString("O"), "--org", "default", .. store]);
        var untilCut = await CommandRun.AuditExportAsync(["--until", cut.ToString("O"), "--out", file, .. store]);

        Assert.Equal(0, everything.ExitCode);
        Assert.Equal(0, sinceCut.ExitCode);
        Assert.Equal(0, untilCut.ExitCode);
        string?[] created = [early.Id, late.Id, otherToken.Id];
        Assert.Superset(new HashSet<string?>(created), Targets(everything.Output));
        Assert.Equal(new string?[] { late.Id }, Targets(sinceCut.Output).Intersect(created));
        var untilLines = await File.ReadAllTextAsync(file);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(new string?[] { early.Id }, Targets(untilLines).Intersect(created));
        Assert.Equal(untilLines, (await CommandRun.AuditExportAsync(["--until", cut.ToString("O"), .. store])).Output);
    }

    [Fact]
    public async Task The_audit_export_command_says_what_is_wrong_with_its_arguments()
    {
        await using var app = await TestApp.StartAsync();
        var store = CommandRun.StoreOf(app);

        var badTime = await CommandRun.AuditExportAsync(["--since", "last tuesday", .. store]);
        var unknownOrg = await CommandRun.AuditExportAsync(["--org", "nope", .. store]);
        var unknownOption = await CommandRun.AuditExportAsync(["--format", "csv", .. store]);

        Assert.Equal((2, ""), (badTime.ExitCode, badTime.Output));
        Assert.Contains("ISO 8601", badTime.Error, StringComparison.Ordinal);
        Assert.Equal((1, ""), (unknownOrg.ExitCode, unknownOrg.Output));
        Assert.Contains("no organization 'nope'", unknownOrg.Error, StringComparison.Ordinal);
        Assert.Equal(2, unknownOption.ExitCode);
        Assert.Contains("unknown option --format", unknownOption.Error, StringComparison.Ordinal);
    }

    private static HashSet<string?> Targets(string lines) =>
        [.. lines.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonSerializer.Deserialize<AuditEventInfo>(l, JsonSerializerOptions.Web)!)
            .Where(e => e.Action == "token.create")
            .Select(e => e.TargetId)];
}
