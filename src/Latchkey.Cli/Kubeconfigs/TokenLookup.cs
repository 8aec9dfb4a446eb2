using Latchkey.Cli.Commands;
using Latchkey.Core.Contracts;

namespace Latchkey.Cli.Kubeconfigs;

/// <summary>The server's view of the tokens a kubeconfig holds (by id: the secret never leaves the file for this).</summary>
internal static class TokenLookup
{
    private const int MaxSingleLookups = 20;

    /// <summary>What the server knows of each id that is the caller's (or visible to them); ids it does not know are left out.</summary>
    public static async Task<Dictionary<string, TokenInfo>> FetchAsync(ApiClient api, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, TokenInfo>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return found;
        }

        foreach (var token in await TokensListCommand.FetchAsync(api, status: null, all: false, cancellationToken))
        {
            if (ids.Contains(token.Id))
            {
                found[token.Id] = token;
            }
        }

        // Someone else's token in the file (an admin's view): asked for one by one, a few at most.
        foreach (var id in ids.Where(id => !found.ContainsKey(id)).Take(MaxSingleLookups))
        {
            try
            {
                found[id] = await api.GetAsync($"api/v1/tokens/{ApiClient.Segment(id)}", CliJson.Default.TokenInfo, cancellationToken);
            }
            catch (ApiException)
            {
                // Unknown to this server, or not visible to the caller.
            }
        }

        return found;
    }
}
