namespace Landplatform.DataSamples;

/// <summary>
/// The leaning division lines of one block, as land is really cut up: every line between two lots runs at its own
/// slant, and every band edge inside the block bends once. Held in the block's own terms, along the frontage and
/// across it. Each vertex on a band edge is rounded to the millimetre once and used by the lots on both sides, so
/// their common lines match vertex for vertex and the lots leave no gap and overlap nothing.
/// </summary>
internal sealed class LotSlant
{
    // Some blocks are still laid out square to their roads.
    private const double SquareBlockChance = 0.05;
    private readonly long[][] bottom;
    private readonly long[][] top;
    private readonly long[][] edgeAlong;
    private readonly long[][] edgeAcross;

    private LotSlant(long[][] bottom, long[][] top, long[][] edgeAlong, long[][] edgeAcross)
    {
        this.bottom = bottom;
        this.top = top;
        this.edgeAlong = edgeAlong;
        this.edgeAcross = edgeAcross;
    }

    /// <summary>
    /// Leans the lines of a block whose band edges (across) and lot cuts (along, per band) are given; null when the block
    /// stays square. Shifts are bounded by the neighbouring lot widths and band depths, so no two lines cross.
    /// </summary>
    public static LotSlant? Lean(long alongStart, long alongEnd, long[] bandEdges, long[][] cuts, SeededRandom random)
    {
        var bands = bandEdges.Length - 1;
        if (random.Chance(SquareBlockChance) || (bands == 1 && cuts[0].Length <= 2))
        {
            return null;
        }

        var along = alongEnd - alongStart;

        // Each inner band edge: its across offsets at the two ends of the block and at one bend, if it has one.
        var startOffset = new long[bands + 1];
        var endOffset = new long[bands + 1];
        var bendAt = new long[bands + 1];
        var bendOffset = new long[bands + 1];
        for (var b = 1; b < bands; b++)
        {
            var depth = Math.Min(bandEdges[b] - bandEdges[b - 1], bandEdges[b + 1] - bandEdges[b]);
            var reach = Math.Min(0.18 * depth, 0.1 * along);
            if (random.Chance(0.85))
            {
                startOffset[b] = (long)Math.Round(random.Range(-1, 1) * reach);
                endOffset[b] = (long)Math.Round(random.Range(-1, 1) * reach);
            }

            if (random.Chance(0.5))
            {
                bendAt[b] = alongStart + (long)Math.Round(random.Range(0.3, 0.7) * along);
                bendOffset[b] = (long)Math.Round(random.Range(-1, 1) * reach);
            }
        }

        // Each lot line meets the band's lower edge at cut + shift and the upper edge at cut - shift.
        var bottom = new long[bands][];
        var top = new long[bands][];
        for (var b = 0; b < bands; b++)
        {
            var depth = bandEdges[b + 1] - bandEdges[b];
            var lean = random.Chance(0.8) ? random.Range(-0.3, 0.3) : 0;
            var n = cuts[b].Length - 1;
            bottom[b] = new long[n + 1];
            top[b] = new long[n + 1];
            (bottom[b][0], top[b][0], bottom[b][n], top[b][n]) = (alongStart, alongStart, alongEnd, alongEnd);
            for (var k = 1; k < n; k++)
            {
                var width = Math.Min(cuts[b][k] - cuts[b][k - 1], cuts[b][k + 1] - cuts[b][k]);
                var half = lean == 0 && random.Chance(0.6) ? 0 : (lean * depth / 2) + (random.Range(-0.06, 0.06) * depth);
                var shift = (long)Math.Round(Math.Clamp(half, -0.22 * width, 0.22 * width));
                bottom[b][k] = cuts[b][k] + shift;
                top[b][k] = cuts[b][k] - shift;
            }
        }

        // The vertices on each band edge: its ends and bend, and where the lot lines of the bands on both sides meet it.
        var edgeAlong = new long[bands + 1][];
        var edgeAcross = new long[bands + 1][];
        for (var b = 0; b <= bands; b++)
        {
            var points = new List<long> { alongStart, alongEnd };
            if (bendAt[b] > alongStart && bendAt[b] < alongEnd)
            {
                points.Add(bendAt[b]);
            }

            if (b > 0)
            {
                points.AddRange(top[b - 1][1..^1]);
            }

            if (b < bands)
            {
                points.AddRange(bottom[b][1..^1]);
            }

            edgeAlong[b] = [.. points.Distinct().Order()];
            edgeAcross[b] = new long[edgeAlong[b].Length];
            for (var i = 0; i < edgeAlong[b].Length; i++)
            {
                edgeAcross[b][i] = AcrossAt(edgeAlong[b][i], alongStart, alongEnd, bandEdges[b], startOffset[b], endOffset[b], bendAt[b], bendOffset[b]);
            }
        }

        return new LotSlant(bottom, top, edgeAlong, edgeAcross);
    }

    /// <summary>The closed ring of a lot as (along, across) pairs: its lower edge forwards, its upper edge backwards.</summary>
    public void Ring(int band, int index, List<long> along, List<long> across)
    {
        along.Clear();
        across.Clear();
        var (from, to) = Span(band, bottom[band][index], bottom[band][index + 1]);
        for (var i = from; i <= to; i++)
        {
            along.Add(edgeAlong[band][i]);
            across.Add(edgeAcross[band][i]);
        }

        (from, to) = Span(band + 1, top[band][index], top[band][index + 1]);
        for (var i = to; i >= from; i--)
        {
            along.Add(edgeAlong[band + 1][i]);
            across.Add(edgeAcross[band + 1][i]);
        }

        along.Add(along[0]);
        across.Add(across[0]);
    }

    /// <summary>The largest along/across box of the lot that lies wholly inside it: (along0, across0, along1, across1).</summary>
    public (long Along0, long Across0, long Along1, long Across1) Inside(int band, int index)
    {
        var along0 = Math.Max(bottom[band][index], top[band][index]);
        var along1 = Math.Min(bottom[band][index + 1], top[band][index + 1]);
        var across0 = long.MinValue;
        var (from, to) = Span(band, bottom[band][index], bottom[band][index + 1]);
        for (var i = from; i <= to; i++)
        {
            across0 = Math.Max(across0, edgeAcross[band][i]);
        }

        var across1 = long.MaxValue;
        (from, to) = Span(band + 1, top[band][index], top[band][index + 1]);
        for (var i = from; i <= to; i++)
        {
            across1 = Math.Min(across1, edgeAcross[band + 1][i]);
        }

        return (along0, across0, along1, across1);
    }

    /// <summary>Every division line of the block as segments (along0, across0, along1, across1): inner band edges and lot lines.</summary>
    public void Lines(List<(long Along0, long Across0, long Along1, long Across1)> output)
    {
        for (var b = 1; b + 1 < edgeAlong.Length; b++)
        {
            for (var i = 0; i + 1 < edgeAlong[b].Length; i++)
            {
                output.Add((edgeAlong[b][i], edgeAcross[b][i], edgeAlong[b][i + 1], edgeAcross[b][i + 1]));
            }
        }

        for (var b = 0; b < bottom.Length; b++)
        {
            for (var k = 1; k + 1 < bottom[b].Length; k++)
            {
                var low = Array.BinarySearch(edgeAlong[b], bottom[b][k]);
                var high = Array.BinarySearch(edgeAlong[b + 1], top[b][k]);
                output.Add((bottom[b][k], edgeAcross[b][low], top[b][k], edgeAcross[b + 1][high]));
            }
        }
    }

    private (int From, int To) Span(int edge, long from, long to) =>
        (Array.BinarySearch(edgeAlong[edge], from), Array.BinarySearch(edgeAlong[edge], to));

    private static long AcrossAt(long at, long start, long end, long baseline, long startOffset, long endOffset, long bendAt, long bendOffset)
    {
        double offset;
        if (bendAt > start && bendAt < end)
        {
            offset = at <= bendAt
                ? startOffset + ((double)(bendOffset - startOffset) * (at - start) / (bendAt - start))
                : bendOffset + ((double)(endOffset - bendOffset) * (at - bendAt) / (end - bendAt));
        }
        else
        {
            offset = startOffset + ((double)(endOffset - startOffset) * (at - start) / (end - start));
        }

        return baseline + (long)Math.Round(offset, MidpointRounding.AwayFromZero);
    }
}
