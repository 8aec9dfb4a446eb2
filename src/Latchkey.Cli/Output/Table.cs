namespace Latchkey.Cli.Output;

/// <summary>Plain columns separated by two spaces, the way kubectl prints: easy to read and to cut.</summary>
internal static class Table
{
    public static void Write(TextWriter output, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        var line = new System.Text.StringBuilder();
        foreach (var row in all.Prepend(headers))
        {
            line.Clear();
            for (var i = 0; i < row.Count; i++)
            {
                line.Append(row[i]);
                if (i < row.Count - 1)
                {
                    line.Append(' ', widths[i] - row[i].Length + 2);
                }
            }

            output.WriteLine(line.ToString().TrimEnd());
        }
    }

    public static string Time(DateTimeOffset? time, string none = "never") =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : none;
}
