using Latchkey.Core.Contracts;
using Latchkey.Data;

namespace Latchkey.Server.Console.Pages.Tokens;

/// <summary>What the one-time reveal shows. <see cref="Clusters"/> null: no kubeconfig download (the secret is not the viewer's own).</summary>
internal sealed record Reveal(CreatedToken Token, IReadOnlyList<Cluster>? Clusters, string Heading, string Lead, string? Note = null);
