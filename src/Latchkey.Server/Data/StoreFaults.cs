using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;

namespace Latchkey.Server.Data;

/// <summary>
/// Why the store could not answer, in words an operator acts on: every 503 of every door, and
/// <c>/readyz</c>, says it the same way. One place decides what counts as a store fault.
/// </summary>
internal static class StoreFaults
{
    /// <summary>What a 503 tells clients to wait before asking again, in seconds.</summary>
    public const string RetryAfterSeconds = "5";

    public const string DiskFull = "the data disk is full";
    public const string Locked = "the database is locked by another writer (timed out)";
    public const string TimedOut = "the database did not answer in time (timed out)";
    public const string Unreachable = "the database is unreachable";

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteReadOnly = 8;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;

    /// <summary>ENOSPC and EROFS: what an <see cref="IOException"/> carries as its HResult on Linux.</summary>
    internal const int NoSpaceLeft = 28;
    internal const int ReadOnlyFileSystem = 30;

    /// <summary>The cause of a store fault, or null when the exception is not one.</summary>
    public static string? Cause(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException { SqliteErrorCode: SqliteFull }:
                case Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.DiskFull }:
                case IOException { HResult: NoSpaceLeft }:
                    return DiskFull;
                case SqliteException { SqliteErrorCode: SqliteReadOnly }:
                case IOException { HResult: ReadOnlyFileSystem }:
                    return "the data folder is read-only";
                case SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked }:
                case TimeoutException:
                    return Locked;
                case Npgsql.NpgsqlException when e.InnerException is TimeoutException:
                    return TimedOut;
                case SqliteException { SqliteErrorCode: SqliteCantOpen }:
                case Npgsql.NpgsqlException when e.InnerException is SocketException or IOException:
                case Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.AdminShutdown or Npgsql.PostgresErrorCodes.CannotConnectNow
                    or Npgsql.PostgresErrorCodes.InvalidCatalogName or Npgsql.PostgresErrorCodes.TooManyConnections
                    or Npgsql.PostgresErrorCodes.ObjectNotInPrerequisiteState }: // "database is not accepting connections"
                    return Unreachable;
            }
        }

        return IsStoreFault(exception) ? "the database failed" : null;
    }

    /// <summary>What a request answers when the store did not answer within its budget: on SQLite that is a writer holding the lock.</summary>
    public static string OverBudget(bool postgres, TimeSpan budget) => postgres
        ? $"the database did not answer within {Seconds(budget)} (timed out)"
        : $"the database is locked by another writer that did not finish within {Seconds(budget)} (timed out)";

    /// <summary>The sentence of a 503.</summary>
    public static string Detail(string cause) => $"The token store is unavailable: {cause}. Try again shortly.";

    private static bool IsStoreFault(Exception exception) =>
        exception is DbException or TimeoutException or Microsoft.EntityFrameworkCore.DbUpdateException
        || (exception.InnerException is { } inner && IsStoreFault(inner));

    private static string Seconds(TimeSpan budget) => $"{budget.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s";
}
