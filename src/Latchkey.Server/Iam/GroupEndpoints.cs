using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Latchkey.Server.Iam;

internal static class GroupEndpoints
{
    public static RouteGroupBuilder MapGroups(this RouteGroupBuilder api)
    {
        var groups = api.MapGroup("/groups").WithTags("IAM");
        groups.MapGet("/", List).WithSummary("The organization's groups with their members (needs iam:manage).");
        groups.MapPost("/", Create).WithSummary("Create a group (needs iam:manage).");
        groups.MapGet("/{id:guid}", Get).WithSummary("One group with its members (needs iam:manage).");
        groups.MapPatch("/{id:guid}", Rename).WithSummary("Rename a group (needs iam:manage).");
        groups.MapDelete("/{id:guid}", Delete).WithSummary("Delete a group, its memberships and the policies granted to it (needs iam:manage).");
        groups.MapPut("/{id:guid}/members/{userId:guid}", AddMember).WithSummary("Add a member of the organization to the group (needs iam:manage).");
        groups.MapDelete("/{id:guid}/members/{userId:guid}", RemoveMember).WithSummary("Take a user out of the group (needs iam:manage).");
        return api;
    }

    private static async Task<Results<Ok<List<GroupInfo>>, ProblemHttpResult>> List(
        Caller caller, LatchkeyDbContext db, GroupRegistry registry, CancellationToken cancellationToken) =>
        await registry.MayManageAsync(caller, cancellationToken)
            ? TypedResults.Ok(await GroupRegistry.ListAsync(db, caller, cancellationToken))
            : GroupRegistry.NotAllowed.ToProblem();

    private static async Task<Results<Ok<GroupInfo>, ProblemHttpResult>> Get(
        Guid id, Caller caller, LatchkeyDbContext db, GroupRegistry registry, CancellationToken cancellationToken)
    {
        if (!await registry.MayManageAsync(caller, cancellationToken))
        {
            return GroupRegistry.NotAllowed.ToProblem();
        }

        return (await GroupRegistry.ListAsync(db, caller, cancellationToken, id)).SingleOrDefault() is { } group
            ? TypedResults.Ok(group)
            : Problems.NotFound("group");
    }

    private static async Task<Results<Created<GroupInfo>, ProblemHttpResult>> Create(
        GroupNameRequest request, Caller caller, LatchkeyDbContext db, GroupRegistry registry, HttpContext http, CancellationToken cancellationToken)
    {
        var outcome = await registry.CreateAsync(db, http, caller, request.Name, cancellationToken);
        return outcome.Value is { } group
            ? TypedResults.Created($"/api/v1/groups/{group.Id}", new GroupInfo(group.Id, group.Name, group.CreatedAt, []))
            : outcome.Refused!.ToProblem();
    }

    private static async Task<Results<Ok<GroupInfo>, ProblemHttpResult>> Rename(
        Guid id, GroupNameRequest request, Caller caller, LatchkeyDbContext db, GroupRegistry registry, HttpContext http, CancellationToken cancellationToken)
    {
        var outcome = await registry.RenameAsync(db, http, caller, id, request.Name, cancellationToken);
        return outcome.Value is not null
            ? TypedResults.Ok((await GroupRegistry.ListAsync(db, caller, cancellationToken, id)).Single())
            : outcome.Refused!.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id, Caller caller, LatchkeyDbContext db, GroupRegistry registry, HttpContext http, CancellationToken cancellationToken) =>
        Answer(await registry.DeleteAsync(db, http, caller, id, cancellationToken));

    private static async Task<Results<NoContent, ProblemHttpResult>> AddMember(
        Guid id, Guid userId, Caller caller, LatchkeyDbContext db, GroupRegistry registry, HttpContext http, CancellationToken cancellationToken) =>
        Answer(await registry.AddMemberAsync(db, http, caller, id, userId, cancellationToken));

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveMember(
        Guid id, Guid userId, Caller caller, LatchkeyDbContext db, GroupRegistry registry, HttpContext http, CancellationToken cancellationToken) =>
        Answer(await registry.RemoveMemberAsync(db, http, caller, id, userId, cancellationToken));

    private static Results<NoContent, ProblemHttpResult> Answer(Outcome<Group> outcome) =>
        outcome.Value is not null ? TypedResults.NoContent() : outcome.Refused!.ToProblem();
}
