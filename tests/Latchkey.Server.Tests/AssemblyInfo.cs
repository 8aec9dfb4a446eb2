// The server is tested where it runs: Linux (file modes, loopback tools).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
