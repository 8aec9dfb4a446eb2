using System.Globalization;
using Latchkey.Core.Contracts;

namespace Latchkey.Server.Console;

/// <summary>
/// A token's last 30 days as stacked bars (one colour per door), drawn by the page as inline SVG
/// with presentation attributes only: the console's CSP allows no inline style and no script.
/// </summary>
internal sealed class UsageChart
{
    public const int Days = 30;
    public const int Width = 600;
    public const int Height = 120;
    private const double Plot = 100;
    private const double Slot = (double)Width / Days;

    /// <summary>Door name to fill colour; each is at least 4.5:1 against white.</summary>
    public static readonly IReadOnlyList<(string Door, string Fill)> Legend = [("api", "#1d4ed8"), ("kubernetes", "#0f766e"), ("forward-auth", "#b45309")];

    private UsageChart(IReadOnlyList<Bar> bars, long peak, DateOnly first, DateOnly last)
    {
        Bars = bars;
        Peak = peak;
        First = first;
        Last = last;
    }

    public IReadOnlyList<Bar> Bars { get; }
    public long Peak { get; }
    public DateOnly First { get; }
    public DateOnly Last { get; }

    public static UsageChart From(TokenUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var first = usage.To.AddDays(1 - Days);
        var counts = usage.Days.Where(d => d.Day >= first).ToLookup(d => d.Day);
        var peak = Math.Max(1, counts.Select(day => day.Sum(d => d.Count)).DefaultIfEmpty(0).Max());
        var bars = new List<Bar>(Days);
        for (var i = 0; i < Days; i++)
        {
            var day = first.AddDays(i);
            var segments = new List<Segment>();
            var top = Plot;
            foreach (var (door, fill) in Legend)
            {
                var count = counts[day].Where(d => d.Door == door).Sum(d => d.Count);
                if (count > 0)
                {
                    var height = Math.Max(1, Plot * count / peak);
                    top -= height;
                    segments.Add(new Segment(fill, Number(top), Number(height)));
                }
            }

            var title = $"{day:yyyy-MM-dd}: " + string.Join(", ", Legend.Select(l => $"{counts[day].Where(d => d.Door == l.Door).Sum(d => d.Count)} {l.Door}"));
            bars.Add(new Bar(Number((i * Slot) + 2), Number(Slot - 4), segments, title));
        }

        return new UsageChart(bars, peak, first, usage.To);
    }

    private static string Number(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    internal sealed record Bar(string X, string Width, IReadOnlyList<Segment> Segments, string Title);

    internal sealed record Segment(string Fill, string Y, string Height);
}
