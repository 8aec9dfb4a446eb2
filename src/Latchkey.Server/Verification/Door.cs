namespace Latchkey.Server.Verification;

/// <summary>Where a token was presented: usage is counted per door.</summary>
internal enum Door
{
    Api,
    Kubernetes,
    ForwardAuth,
}

internal static class Doors
{
    /// <summary>The door's name in the store, the API and the CLI.</summary>
    public static string Name(this Door door) => door switch
    {
        Door.Api => "api",
        Door.Kubernetes => "kubernetes",
        _ => "forward-auth",
    };
}
