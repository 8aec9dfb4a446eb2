namespace Latchkey.Server.Data;

/// <summary>Start-up refused for a reason the operator can fix (a setting, a folder): its message is the whole story.</summary>
internal sealed class StartupRefusedException(string message) : Exception(message);
