using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Latchkey.Server.Tests.Infrastructure;

/// <summary>Counts the SQL commands the server sends to its store.</summary>
public sealed class QueryCounter : DbCommandInterceptor
{
    private int count;

    public int Count => Volatile.Read(ref count);

    /// <summary>
    /// Commands that look a token up by its digest: verification's store lookups. Verification's own
    /// prepared lookup does not go through the ORM, so its count comes from <see cref="PreparedLookups"/>.
    /// </summary>
    public int TokenLookups => Volatile.Read(ref tokenLookups) + (int)(PreparedLookups?.Invoke() ?? 0);

    /// <summary>Lookups verification sent on its own connections (set by the app once its services exist).</summary>
    public Func<long>? PreparedLookups { get; set; }

    private int tokenLookups;

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> texts = new();

    /// <summary>When set, rewrites each command before it is sent: a way to make one statement of a batch fail.</summary>
    public Func<string, string>? Rewrite { get; set; }

    /// <summary>The text of every command sent, in order (background jobs' included).</summary>
    public IReadOnlyList<string> Texts => [.. texts];

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Observe(command);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Observe(command);
        return base.ReaderExecuting(command, eventData, result);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Observe(command);
        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Observe(command);
        return base.ScalarExecutingAsync(command, eventData, result, cancellationToken);
    }

    private void Observe(DbCommand command)
    {
        if (Rewrite is { } rewrite)
        {
            command.CommandText = rewrite(command.CommandText);
        }

        Interlocked.Increment(ref count);
        texts.Enqueue(command.CommandText);
        if (command.CommandText.Contains("\"SecretDigest\" = @", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref tokenLookups);
        }
    }
}
