using Latchkey.Core.Contracts;
using Latchkey.Data;
using Latchkey.Server.Http;
using Latchkey.Server.Verification;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Latchkey.Server.Clusters;

internal static class ClusterEndpoints
{
    public static RouteGroupBuilder MapClusters(this RouteGroupBuilder api)
    {
        var clusters = api.MapGroup("/clusters").WithTags("Clusters");
        clusters.MapGet("/", List).WithSummary("The clusters you may use.");
        clusters.MapPost("/", Create).WithSummary("Register a cluster (needs clusters:manage).");
        clusters.MapDelete("/{name}", Delete).WithSummary("Remove a cluster (needs clusters:manage).");
        return api;
    }

    private static async Task<Ok<List<ClusterInfo>>> List(Caller caller, LatchkeyDbContext db, ClusterRegistry registry, CancellationToken cancellationToken) =>
        TypedResults.Ok((await registry.VisibleAsync(db, caller, cancellationToken)).Select(UsableClusters.Describe).ToList());

    private static async Task<Results<Created<ClusterInfo>, ValidationProblem, ProblemHttpResult>> Create(
        CreateClusterRequest request, Caller caller, LatchkeyDbContext db, ClusterRegistry registry, HttpContext http, CancellationToken cancellationToken)
    {
        var change = await registry.CreateAsync(db, http, caller, request, cancellationToken);
        return change switch
        {
            { Cluster: { } cluster } => TypedResults.Created($"/api/v1/clusters/{cluster.Name}", UsableClusters.Describe(cluster)),
            { Refusal: ClusterRefusal.Invalid } => Problems.Invalid(change.Field!, change.Message!),
            { Refusal: ClusterRefusal.Conflict } => Problems.Conflict(change.Message!),
            _ => Problems.Forbidden(change.Message!),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string name, Caller caller, LatchkeyDbContext db, ClusterRegistry registry, HttpContext http, CancellationToken cancellationToken)
    {
        var change = await registry.RemoveAsync(db, http, caller, name, cancellationToken);
        return change switch
        {
            { Cluster: not null } => TypedResults.NoContent(),
            { Refusal: ClusterRefusal.NotFound } => Problems.NotFound("cluster"),
            _ => Problems.Forbidden(change.Message!),
        };
    }
}
