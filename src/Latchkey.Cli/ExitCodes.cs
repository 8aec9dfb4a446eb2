namespace Latchkey.Cli;

/// <summary>What <c>latchkey</c> exits with; scripts rely on these.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Something went wrong: the server refused, could not be reached, a file could not be written, or the doctor found a problem.</summary>
    public const int Error = 1;

    /// <summary><c>latchkey scan</c> found a token: the same code as an error, so that a CI step stops either way.</summary>
    public const int TokensFound = 1;

    /// <summary>The command line itself was wrong: an unknown option, a missing argument, a value that does not parse.</summary>
    public const int Usage = 2;
}

/// <summary>An error with a message for a person; printed as one line, never with a stack trace.</summary>
internal class CliException(string message) : Exception(message);

/// <summary>The command line was wrong (exit code 2).</summary>
internal sealed class UsageException(string message) : CliException(message);
