using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Console;
using Latchkey.Server.Http;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Latchkey.Server.Identity;

internal static class UserEndpoints
{
    private static readonly Refused NotAllowed = Refused.Forbidden("Managing members needs the org-admin role.");

    public static RouteGroupBuilder MapUsers(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("IAM");
        users.MapGet("/", List).WithSummary("The organization's members with their roles on the organization and their groups (needs iam:manage).");
        users.MapPost("/", Invite).WithSummary("Invite a member: creates the account and a one-time link to choose a password, shown in this answer only (needs iam:manage).");
        users.MapGet("/{id:guid}", Get).WithSummary("One member (needs iam:manage).");
        users.MapPost("/{id:guid}/disable", Disable).WithSummary("Disable a member: their tokens and console sessions stop working at once (needs iam:manage).");
        users.MapPost("/{id:guid}/enable", Enable).WithSummary("Enable a member again: their tokens that have not expired or been revoked work again (needs iam:manage).");
        return api;
    }

    private static async Task<Results<Ok<List<MemberSummary>>, ProblemHttpResult>> List(
        Caller caller, LatchkeyDbContext db, Members members, CancellationToken cancellationToken) =>
        await members.MayManageAsync(caller, cancellationToken)
            ? TypedResults.Ok((await members.ListAsync(db, caller, cancellationToken)).Select(m => m.Summary()).ToList())
            : NotAllowed.ToProblem();

    private static async Task<Results<Ok<MemberSummary>, ProblemHttpResult>> Get(
        Guid id, Caller caller, LatchkeyDbContext db, Members members, CancellationToken cancellationToken)
    {
        if (!await members.MayManageAsync(caller, cancellationToken))
        {
            return NotAllowed.ToProblem();
        }

        return (await members.ListAsync(db, caller, cancellationToken, id)).SingleOrDefault() is { } member
            ? TypedResults.Ok(member.Summary())
            : Problems.NotFound("user");
    }

    private static async Task<Results<Created<InvitedMember>, ProblemHttpResult>> Invite(
        InviteMemberRequest request, Caller caller, LatchkeyDbContext db, Members members, HttpContext http, CancellationToken cancellationToken)
    {
        var outcome = await members.InviteAsync(db, http, caller, request.Email, request.DisplayName, request.Role, cancellationToken);
        if (outcome.Value is not { } invitee)
        {
            return outcome.Refused!.ToProblem();
        }

        var member = (await members.ListAsync(db, caller, cancellationToken, invitee.User.Id)).Single();
        return TypedResults.Created($"/api/v1/users/{invitee.User.Id}",
            new InvitedMember(member.Summary(), InvitationLinks.Url(http, invitee.Code), invitee.ExpiresAt));
    }

    private static Task<Results<Ok<MemberSummary>, ProblemHttpResult>> Disable(
        Guid id, Caller caller, LatchkeyDbContext db, Members members, HttpContext http, CancellationToken cancellationToken) =>
        SetActiveAsync(id, false, caller, db, members, http, cancellationToken);

    private static Task<Results<Ok<MemberSummary>, ProblemHttpResult>> Enable(
        Guid id, Caller caller, LatchkeyDbContext db, Members members, HttpContext http, CancellationToken cancellationToken) =>
        SetActiveAsync(id, true, caller, db, members, http, cancellationToken);

    private static async Task<Results<Ok<MemberSummary>, ProblemHttpResult>> SetActiveAsync(
        Guid id, bool active, Caller caller, LatchkeyDbContext db, Members members, HttpContext http, CancellationToken cancellationToken)
    {
        if (await members.SetActiveAsync(db, http, caller, id, active, cancellationToken) is { } refused)
        {
            return refused.ToProblem();
        }

        return TypedResults.Ok((await members.ListAsync(db, caller, cancellationToken, id)).Single().Summary());
    }
}
