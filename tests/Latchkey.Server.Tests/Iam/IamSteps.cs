using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Latchkey.Core.Contracts;
using Latchkey.Server.Tests.ClusterAuth;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests.Iam;

/// <summary>The IAM API calls the tests make over and over, each asserting that the call worked.</summary>
internal static class IamSteps
{
    public static async Task<Guid> UserIdAsync(this TestApp app, string email) =>
        await app.WithStoreAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());

    public static async Task<GroupInfo> CreateGroupAsync(this HttpClient admin, string name)
    {
        var response = await admin.PostAsJsonAsync("/api/v1/groups", new GroupNameRequest(name));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<GroupInfo>())!;
    }

    public static async Task AddMemberAsync(this HttpClient admin, Guid groupId, Guid userId) =>
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/api/v1/groups/{groupId}/members/{userId}", null)).StatusCode);

    public static async Task<List<PolicyInfo>> GrantAsync(this HttpClient admin, CreatePolicyRequest request)
    {
        var response = await admin.PostAsJsonAsync("/api/v1/policies", request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<List<PolicyInfo>>())!;
    }

    public static Task<List<PolicyInfo>> GrantAsync(this HttpClient admin, string principalType, Guid principalId, string role, ScopeRequest? scope = null) =>
        admin.GrantAsync(new CreatePolicyRequest(new PrincipalRequest(principalType, principalId), scope ?? new ScopeRequest("organization"), role));

    public static async Task<VpcInfo> CreateVpcAsync(this HttpClient admin, string name, string cidr = "10.0.0.0/16", string zone = "eu-1")
    {
        var response = await admin.PostAsJsonAsync("/api/v1/vpcs", new CreateVpcRequest(name, zone, cidr));
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<VpcInfo>())!;
    }

    /// <summary>The TokenReview status for <paramref name="token"/>, asked with the cluster's webhook credential.</summary>
    public static async Task<JsonElement> ReviewAsync(this HttpClient webhook, string token) =>
        JsonDocument.Parse(await TokenReviewTests.ReviewAsync(webhook, "v1", TokenReviewTests.Review(token))).RootElement.GetProperty("status");

    public static string[] Groups(this JsonElement status) =>
        status.TryGetProperty("user", out var user) ? [.. user.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!)] : [];

    /// <summary>The rows IAM changes touch, to show that a refused change left everything as it was.</summary>
    public static Task<string> RowCountsAsync(this TestApp app) => app.WithStoreAsync(async db =>
        $"users {await db.Users.CountAsync()}, active {await db.Users.CountAsync(u => u.IsActive)}, groups {await db.Groups.CountAsync()}, "
        + $"members {await db.GroupMembers.CountAsync()}, policies {await db.AccessPolicies.CountAsync()}, vpcs {await db.Vpcs.CountAsync()}, "
        + $"invitations {await db.Invitations.CountAsync()}, names {string.Join(",", await db.Groups.OrderBy(g => g.Name).Select(g => g.Name).ToListAsync())}");

    /// <summary>The audit events of one action, oldest first.</summary>
    public static Task<List<Latchkey.Data.AuditEvent>> AuditedAsync(this TestApp app, string action) =>
        app.WithStoreAsync(db => db.AuditEvents.Where(e => e.Action == action).OrderBy(e => e.Id).ToListAsync());
}
