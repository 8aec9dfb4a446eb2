using System.Net;
using Latchkey.Server.Iam;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests.Iam;

/// <summary>Two org-admins who take each other's rights away at the same moment: one of them must stay.</summary>
public class LastAdminRaceTests
{
    private const int Rounds = 20;
    private const string Second = "second@example.test";

    public static TheoryData<string> Ways => ["disable each other", "revoke each other's org-admin policy"];

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Two_admins_acting_against_each_other_at_once_leave_exactly_one_active_admin_every_round(string way)
    {
        await using var app = await TestApp.StartAsync();
        using var first = app.Client(await app.LoginAsync());
        using var second = app.Client(await app.AddUserAsync(Second, role: Roles.OrgAdmin));
        var firstId = await app.UserIdAsync(TestApp.AdminEmail);
        var secondId = await app.UserIdAsync(Second);

        for (var round = 0; round < Rounds; round++)
        {
            var (againstSecond, againstFirst) = way == "disable each other"
                ? ($"/api/v1/users/{secondId}/disable", $"/api/v1/users/{firstId}/disable")
                : ($"/api/v1/policies/{await AdminPolicyAsync(app, secondId)}", $"/api/v1/policies/{await AdminPolicyAsync(app, firstId)}");
            var method = way == "disable each other" ? HttpMethod.Post : HttpMethod.Delete;

            var answers = await Task.WhenAll(
                first.SendAsync(new HttpRequestMessage(method, againstSecond)),
                second.SendAsync(new HttpRequestMessage(method, againstFirst)));

            var statuses = answers.Select(a => a.StatusCode).ToArray();
            Assert.True(statuses.Count(s => s is HttpStatusCode.OK or HttpStatusCode.NoContent) == 1, $"round {round}: {string.Join(", ", statuses)}");
            // The loser is refused as the last admin, or (if the winner's change came first) no longer gets that far.
            Assert.All(statuses.Where(s => s is not (HttpStatusCode.OK or HttpStatusCode.NoContent)),
                s => Assert.Contains(s, new[] { HttpStatusCode.Conflict, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden }));
            Assert.Single(await ActiveAdminsAsync(app));

            // The winner gives the loser back what was taken, for the next round.
            var (winner, loser) = statuses[0] is HttpStatusCode.OK or HttpStatusCode.NoContent ? (first, secondId) : (second, firstId);
            if (way == "disable each other")
            {
                Assert.Equal(HttpStatusCode.OK, (await winner.PostAsync($"/api/v1/users/{loser}/enable", null)).StatusCode);
            }
            else
            {
                await winner.GrantAsync("user", loser, Roles.OrgAdmin);
            }

            Assert.Equal(2, (await ActiveAdminsAsync(app)).Count);
        }
    }

    private static Task<Guid> AdminPolicyAsync(TestApp app, Guid userId) => app.WithStoreAsync(db => db.AccessPolicies
        .Where(p => p.PrincipalId == userId && p.Role == Roles.OrgAdmin).Select(p => p.Id).SingleAsync());

    private static Task<List<Guid>> ActiveAdminsAsync(TestApp app) => app.WithStoreAsync(db => db.Users
        .Where(u => u.IsActive && db.AccessPolicies.Any(p => p.PrincipalId == u.Id && p.Role == Roles.OrgAdmin && p.ScopeType == Latchkey.Data.PolicyScopeType.Organization))
        .Select(u => u.Id).ToListAsync());
}
