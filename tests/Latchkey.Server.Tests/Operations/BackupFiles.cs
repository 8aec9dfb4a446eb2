using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Latchkey.Server.Tests.Operations;

/// <summary>Bad backups made from a good one, and a look into a restored database.</summary>
internal static class BackupFiles
{
    public static async Task MakeAsync(string kind, string good, string bad)
    {
        switch (kind)
        {
            case "random bytes":
                await File.WriteAllBytesAsync(bad, System.Security.Cryptography.RandomNumberGenerator.GetBytes(4096));
                break;
            case "an archive of something else":
                await RewriteAsync(null, bad, [("notes.txt", "not a backup"u8.ToArray())]);
                break;
            case "a backup cut short":
                var bytes = await File.ReadAllBytesAsync(good);
                await File.WriteAllBytesAsync(bad, bytes[..(bytes.Length / 2)]);
                break;
            case "a backup whose database was altered":
                await RewriteAsync(good, bad, [], alter: (name, data) =>
                {
                    if (name == "latchkey.db")
                    {
                        data[data.Length / 2] ^= 0xff;
                    }
                });
                break;
            case "a backup from a newer format":
                await RewriteAsync(good, bad, [], alter: (name, data) => { }, manifest: m => m["version"] = 99);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    public static long CountTokens(string database, string tokenId)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """SELECT COUNT(*) FROM "AccessTokens" WHERE "Id" = $id""";
        command.Parameters.AddWithValue("$id", tokenId);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Copies the entries of <paramref name="source"/> (if any) into a new archive, changed as asked, then adds <paramref name="extra"/>.</summary>
    private static async Task RewriteAsync(string? source, string target, (string Name, byte[] Data)[] extra,
        Action<string, byte[]>? alter = null, Action<JsonNode>? manifest = null)
    {
        var entries = new List<(string Name, byte[] Data)>();
        if (source is not null)
        {
            await using var input = new GZipStream(File.OpenRead(source), CompressionMode.Decompress);
            await using var reader = new TarReader(input);
            while (await reader.GetNextEntryAsync() is { } entry)
            {
                using var copy = new MemoryStream();
                await entry.DataStream!.CopyToAsync(copy);
                var data = copy.ToArray();
                if (entry.Name == "manifest.json" && manifest is not null)
                {
                    var node = JsonNode.Parse(data)!;
                    manifest(node);
                    data = System.Text.Encoding.UTF8.GetBytes(node.ToJsonString());
                }

                alter?.Invoke(entry.Name, data);
                entries.Add((entry.Name, data));
            }
        }

        await using var output = new GZipStream(File.Create(target), CompressionLevel.Fastest);
        await using var writer = new TarWriter(output, TarEntryFormat.Pax);
        foreach (var (name, data) in entries.Concat(extra))
        {
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        }
    }
}
