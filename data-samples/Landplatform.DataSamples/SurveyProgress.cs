using System.Diagnostics;
using System.Globalization;

namespace Landplatform.DataSamples;

/// <summary>Plain-line progress on stderr, readable without a terminal.</summary>
internal sealed class SurveyProgress(TextWriter output)
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private int reportedPercent = -2;

    public double Seconds => clock.Elapsed.TotalSeconds;

    public void Phase(string message)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{Seconds,7:0.0}s] {message}"));
        output.Flush();
    }

    /// <summary>Reports every two percent of the requested parcel count.</summary>
    public void Parcels(long written, long requested)
    {
        var percent = (int)Math.Min(100, written * 100 / Math.Max(1, requested));
        if (percent < reportedPercent + 2)
        {
            return;
        }

        reportedPercent = percent;
        Phase(string.Create(CultureInfo.InvariantCulture, $"parcels {percent,3}% ({written}/{requested} requested)"));
    }
}
