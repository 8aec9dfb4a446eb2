namespace Latchkey.Core.Kubeconfigs;

/// <summary>A kubeconfig that cannot be read, merged or written. The message is for a person and never holds a credential.</summary>
public class KubeconfigException : Exception
{
    public KubeconfigException()
    {
    }

    public KubeconfigException(string message)
        : base(message)
    {
    }

    public KubeconfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The file already has an entry of the same name with other content. Nothing was changed.</summary>
public sealed class KubeconfigConflictException : KubeconfigException
{
    public KubeconfigConflictException()
    {
    }

    public KubeconfigConflictException(string message)
        : base(message)
    {
    }

    public KubeconfigConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
