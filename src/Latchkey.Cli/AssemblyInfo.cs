// The CLI writes files with Unix modes (0600) and runs where kubectl does: Linux and macOS.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
