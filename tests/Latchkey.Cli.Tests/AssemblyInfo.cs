// The CLI is tested where it runs: Linux (file modes, kubectl, git).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
