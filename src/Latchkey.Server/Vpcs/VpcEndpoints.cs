using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Latchkey.Server.Vpcs;

internal static class VpcEndpoints
{
    public static RouteGroupBuilder MapVpcs(this RouteGroupBuilder api)
    {
        var vpcs = api.MapGroup("/vpcs").WithTags("VPCs");
        vpcs.MapGet("/", List).WithSummary("The VPCs you may see (vpcs:view on the organization, or on each VPC).");
        vpcs.MapPost("/", Create).WithSummary("Create a VPC (needs vpcs:manage on the organization).");
        vpcs.MapGet("/{id:guid}", Get).WithSummary("One VPC you may see.");
        vpcs.MapDelete("/{id:guid}", Delete).WithSummary("Delete a VPC no access policy is scoped to (needs vpcs:manage).");
        return api;
    }

    private static async Task<Ok<List<VpcInfo>>> List(Caller caller, LatchkeyDbContext db, VpcRegistry registry, CancellationToken cancellationToken) =>
        TypedResults.Ok((await registry.VisibleAsync(db, caller, cancellationToken)).Select(VpcRegistry.Describe).ToList());

    private static async Task<Results<Ok<VpcInfo>, ProblemHttpResult>> Get(
        Guid id, Caller caller, LatchkeyDbContext db, VpcRegistry registry, CancellationToken cancellationToken) =>
        await registry.FindAsync(db, caller, id, cancellationToken) is { } vpc ? TypedResults.Ok(VpcRegistry.Describe(vpc)) : Problems.NotFound("VPC");

    private static async Task<Results<Created<VpcInfo>, ProblemHttpResult>> Create(
        CreateVpcRequest request, Caller caller, LatchkeyDbContext db, VpcRegistry registry, HttpContext http, CancellationToken cancellationToken)
    {
        var outcome = await registry.CreateAsync(db, http, caller, request, cancellationToken);
        return outcome.Value is { } vpc
            ? TypedResults.Created($"/api/v1/vpcs/{vpc.Id}", VpcRegistry.Describe(vpc))
            : outcome.Refused!.ToProblem();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id, Caller caller, LatchkeyDbContext db, VpcRegistry registry, HttpContext http, CancellationToken cancellationToken)
    {
        var outcome = await registry.DeleteAsync(db, http, caller, id, cancellationToken);
        return outcome.Value is not null ? TypedResults.NoContent() : outcome.Refused!.ToProblem();
    }
}
