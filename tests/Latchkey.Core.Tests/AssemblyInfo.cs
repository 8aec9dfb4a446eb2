// Kubeconfig files are written with Unix modes; tested where the CLI runs.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
