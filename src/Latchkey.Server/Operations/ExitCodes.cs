namespace Latchkey.Server.Operations;

/// <summary>What the maintenance commands exit with, as the latchkey CLI does.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Something went wrong: a file that cannot be read or written, a backup that is not one, a refusal.</summary>
    public const int Failure = 1;

    /// <summary>The command was not understood, or is not the way to do this with the configured store.</summary>
    public const int Usage = 2;
}
