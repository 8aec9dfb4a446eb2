namespace Latchkey.Server.Tests.Console;

/// <summary>
/// The tests that drive Chromium run one at a time and apart from the other tests: a browser and a
/// server each need a core, and on a busy two-core machine a page wait can otherwise run into its bound.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserTests
{
    public const string Name = "Browser";
}
