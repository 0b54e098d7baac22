namespace Landplatform.DataSamples;

/// <summary>A block split into parallel bands of lots; lot edges carry the neighbouring band's corners so shared edges match vertex for vertex.</summary>
internal sealed class LotRows
{
    private const long MinimumStep = 500;
    private readonly long[] bandEdges;
    private readonly long[][] cuts;
    private readonly LotSlant? slant;
    private readonly List<long> slantAlong = [];
    private readonly List<long> slantAcross = [];

    private LotRows(MmRect bounds, bool horizontalBands, long[] bandEdges, long[][] cuts, int column, int row, LotSlant? slant = null)
    {
        Bounds = bounds;
        HorizontalBands = horizontalBands;
        this.bandEdges = bandEdges;
        this.cuts = cuts;
        this.slant = slant;
        Column = column;
        Row = row;
    }

    public MmRect Bounds { get; }

    /// <summary>True when bands are stacked north-south and lots sit side by side east-west.</summary>
    public bool HorizontalBands { get; }

    public int Column { get; }

    public int Row { get; }

    public int Bands => bandEdges.Length - 1;

    /// <summary>True when the block's lot lines lean and its band edges bend (<see cref="LotSlant"/>); false when it is square to its roads.</summary>
    public bool Slanted => slant is not null;

    public int LotsInBand(int band) => cuts[band].Length - 1;

    /// <summary>The block cut into lots; with <paramref name="lean"/> (a stream of its own) its lines may lean, else it stays square.</summary>
    public static LotRows Divide(MmRect bounds, int lots, SeededRandom random, int column, int row, SeededRandom? lean = null)
    {
        var horizontal = bounds.Width >= bounds.Height;
        var along = horizontal ? bounds.Width : bounds.Height;
        var across = horizontal ? bounds.Height : bounds.Width;
        var alongStart = horizontal ? bounds.X0 : bounds.Y0;
        var acrossStart = horizontal ? bounds.Y0 : bounds.X0;
        if (lots <= 1)
        {
            return new LotRows(bounds, horizontal, [acrossStart, acrossStart + across], [[alongStart, alongStart + along]], column, row);
        }

        // Lots are deeper than wide; the band count follows from a preferred depth-to-frontage ratio.
        var ratio = random.Range(1.3, 2.4);
        var lotArea = (double)bounds.Width * bounds.Height / lots;
        var depth = Math.Sqrt(lotArea * ratio);
        var bands = (int)Math.Round(across / depth);
        bands = Math.Max(bands, (int)Math.Ceiling(lots * 3000.0 / along));
        bands = Math.Clamp(bands, 1, Math.Max(1, (int)Math.Min(lots, across / 4000)));

        var counts = new int[bands];
        var shift = random.Below(bands);
        for (var b = 0; b < bands; b++)
        {
            counts[b] = (lots / bands) + ((b + shift) % bands < lots % bands ? 1 : 0);
        }

        var bandWeights = new double[bands];
        for (var b = 0; b < bands; b++)
        {
            bandWeights[b] = random.Range(0.85, 1.15);
        }

        var edges = Positions(acrossStart, acrossStart + across, bandWeights);
        var bandCuts = new long[bands][];
        for (var b = 0; b < bands; b++)
        {
            var weights = new double[counts[b]];
            for (var k = 0; k < weights.Length; k++)
            {
                weights[k] = random.Range(0.65, 1.45);
            }

            if (weights.Length > 2 && random.Chance(0.08))
            {
                weights[random.Below(weights.Length)] *= 2.2;
            }

            bandCuts[b] = Positions(alongStart, alongStart + along, weights);
        }

        var slant = lean is null ? null : LotSlant.Lean(alongStart, alongStart + along, edges, bandCuts, lean);
        return new LotRows(bounds, horizontal, edges, bandCuts, column, row, slant);
    }

    public MmRect Lot(int band, int index) => HorizontalBands
        ? new MmRect(cuts[band][index], bandEdges[band], cuts[band][index + 1], bandEdges[band + 1])
        : new MmRect(bandEdges[band], cuts[band][index], bandEdges[band + 1], cuts[band][index + 1]);

    /// <summary>The largest axis-parallel rectangle inside the lot (the lot itself when the block is square).</summary>
    public MmRect Inside(int band, int index)
    {
        if (slant is null)
        {
            return Lot(band, index);
        }

        var (along0, across0, along1, across1) = slant.Inside(band, index);
        return HorizontalBands ? new MmRect(along0, across0, along1, across1) : new MmRect(across0, along0, across1, along1);
    }

    /// <summary>The closed counter-clockwise ring of a lot, including the corners of lots in the neighbouring bands.</summary>
    public void Ring(int band, int index, List<long> xs, List<long> ys)
    {
        xs.Clear();
        ys.Clear();
        if (slant is not null)
        {
            slant.Ring(band, index, slantAlong, slantAcross);
            var (alongs, acrosses) = HorizontalBands ? (xs, ys) : (ys, xs);
            alongs.AddRange(slantAlong);
            acrosses.AddRange(slantAcross);
            if (!HorizontalBands)
            {
                // Along is north there, so the ring came out clockwise.
                xs.Reverse();
                ys.Reverse();
            }

            return;
        }

        var lot = Lot(band, index);
        if (HorizontalBands)
        {
            Add(xs, ys, lot.X0, lot.Y0);
            if (band > 0)
            {
                var below = cuts[band - 1];
                for (var k = 1; k < below.Length - 1; k++)
                {
                    if (below[k] > lot.X0 && below[k] < lot.X1)
                    {
                        Add(xs, ys, below[k], lot.Y0);
                    }
                }
            }

            Add(xs, ys, lot.X1, lot.Y0);
            Add(xs, ys, lot.X1, lot.Y1);
            if (band < Bands - 1)
            {
                var above = cuts[band + 1];
                for (var k = above.Length - 2; k >= 1; k--)
                {
                    if (above[k] > lot.X0 && above[k] < lot.X1)
                    {
                        Add(xs, ys, above[k], lot.Y1);
                    }
                }
            }

            Add(xs, ys, lot.X0, lot.Y1);
        }
        else
        {
            Add(xs, ys, lot.X0, lot.Y0);
            Add(xs, ys, lot.X1, lot.Y0);
            if (band < Bands - 1)
            {
                var east = cuts[band + 1];
                for (var k = 1; k < east.Length - 1; k++)
                {
                    if (east[k] > lot.Y0 && east[k] < lot.Y1)
                    {
                        Add(xs, ys, lot.X1, east[k]);
                    }
                }
            }

            Add(xs, ys, lot.X1, lot.Y1);
            Add(xs, ys, lot.X0, lot.Y1);
            if (band > 0)
            {
                var west = cuts[band - 1];
                for (var k = west.Length - 2; k >= 1; k--)
                {
                    if (west[k] > lot.Y0 && west[k] < lot.Y1)
                    {
                        Add(xs, ys, lot.X0, west[k]);
                    }
                }
            }
        }

        Add(xs, ys, lot.X0, lot.Y0);
    }

    /// <summary>The internal survey lines of this block (its outline is made of reserve edges); leaning ones go to slanted.</summary>
    public void CollectCuts(List<MmCut> output, List<MmSegment> slanted)
    {
        if (slant is not null)
        {
            var lines = new List<(long, long, long, long)>();
            slant.Lines(lines);
            foreach (var (along0, across0, along1, across1) in lines)
            {
                slanted.Add(HorizontalBands ? new MmSegment(along0, across0, along1, across1) : new MmSegment(across0, along0, across1, along1));
            }

            return;
        }

        for (var k = 1; k < bandEdges.Length - 1; k++)
        {
            output.Add(HorizontalBands
                ? new MmCut(false, bandEdges[k], Bounds.X0, Bounds.X1)
                : new MmCut(true, bandEdges[k], Bounds.Y0, Bounds.Y1));
        }

        for (var b = 0; b < Bands; b++)
        {
            for (var k = 1; k < cuts[b].Length - 1; k++)
            {
                output.Add(new MmCut(HorizontalBands, cuts[b][k], bandEdges[b], bandEdges[b + 1]));
            }
        }
    }

    /// <summary>Boundaries between start and end dividing it in proportion to the weights, on a 10 mm grid.</summary>
    public static long[] Positions(long start, long end, IReadOnlyList<double> weights)
    {
        var total = weights.Sum();
        var positions = new long[weights.Count + 1];
        positions[0] = start;
        positions[^1] = end;
        var running = 0.0;
        var ordered = true;
        for (var k = 1; k < weights.Count; k++)
        {
            running += weights[k - 1];
            positions[k] = start + ((long)Math.Round((end - start) * running / total / 10.0) * 10);
            ordered &= positions[k] - positions[k - 1] >= MinimumStep;
        }

        ordered &= end - positions[^2] >= MinimumStep;
        if (!ordered)
        {
            for (var k = 1; k < weights.Count; k++)
            {
                positions[k] = start + ((end - start) * k / weights.Count);
            }
        }

        return positions;
    }

    private static void Add(List<long> xs, List<long> ys, long x, long y)
    {
        xs.Add(x);
        ys.Add(y);
    }
}

/// <summary>One grid cell: crowded cells are cut into several blocks by lanes, then every block into lots.</summary>
internal sealed class CellPlan
{
    public const long LaneWidth = 6000;
    private const int LotsBeforeLanes = 24;
    private const long MinimumBlockSide = 30_000;
    private readonly long[] columnLow;
    private readonly long[] columnHigh;
    private readonly long[] rowLow;
    private readonly long[] rowHigh;

    private CellPlan(MmRect bounds, long[] columnLow, long[] columnHigh, long[] rowLow, long[] rowHigh, List<LotRows> blocks)
    {
        Bounds = bounds;
        this.columnLow = columnLow;
        this.columnHigh = columnHigh;
        this.rowLow = rowLow;
        this.rowHigh = rowHigh;
        Blocks = blocks;
    }

    public MmRect Bounds { get; }

    /// <summary>Blocks from north to south, west to east.</summary>
    public IReadOnlyList<LotRows> Blocks { get; }

    public int Columns => columnLow.Length;

    public int Rows => rowLow.Length;

    /// <summary>The cell's blocks and lots; lean gives a block (by its rectangle and index) a stream to lean its lines with, or null to keep it square.</summary>
    public static CellPlan Create(MmRect bounds, int lots, SeededRandom random, Func<MmRect, int, SeededRandom?>? lean = null)
    {
        var columns = 1;
        var rows = 1;
        if (lots > LotsBeforeLanes)
        {
            var wanted = (int)Math.Ceiling(lots / 14.0);
            var maxColumns = (int)Math.Max(1, (bounds.Width + LaneWidth) / (MinimumBlockSide + LaneWidth));
            var maxRows = (int)Math.Max(1, (bounds.Height + LaneWidth) / (MinimumBlockSide + LaneWidth));
            columns = Math.Clamp((int)Math.Round(Math.Sqrt(wanted * (double)bounds.Width / bounds.Height)), 1, maxColumns);
            rows = Math.Clamp((int)Math.Ceiling(wanted / (double)columns), 1, maxRows);
        }

        var (columnLow, columnHigh) = Strips(bounds.X0, bounds.X1, columns, random);
        var (rowLow, rowHigh) = Strips(bounds.Y0, bounds.Y1, rows, random);

        var rects = new List<(MmRect Rect, int Column, int Row)>();
        for (var r = rows - 1; r >= 0; r--)
        {
            for (var c = 0; c < columns; c++)
            {
                rects.Add((new MmRect(columnLow[c], rowLow[r], columnHigh[c], rowHigh[r]), c, r));
            }
        }

        var shares = Apportion(lots, rects.Select(r => r.Rect.AreaSquareMetres).ToArray());
        var blocks = new List<LotRows>(rects.Count);
        for (var k = 0; k < rects.Count; k++)
        {
            blocks.Add(LotRows.Divide(rects[k].Rect, shares[k], random, rects[k].Column, rects[k].Row, lean?.Invoke(rects[k].Rect, k)));
        }

        return new CellPlan(bounds, columnLow, columnHigh, rowLow, rowHigh, blocks);
    }

    public long RowLow(int row) => rowLow[row];

    public long RowHigh(int row) => rowHigh[row];

    /// <summary>Lane between block columns lane and lane+1; it owns the crossings with east-west lanes.</summary>
    public MmRect VerticalLane(int lane) => new(columnHigh[lane], Bounds.Y0, columnLow[lane + 1], Bounds.Y1);

    /// <summary>Lane between block rows lane and lane+1, in pieces between the north-south lanes.</summary>
    public IReadOnlyList<MmRect> HorizontalLane(int lane)
    {
        var pieces = new MmRect[Columns];
        for (var c = 0; c < Columns; c++)
        {
            pieces[c] = new MmRect(columnLow[c], rowHigh[lane], columnHigh[c], rowLow[lane + 1]);
        }

        return pieces;
    }

    public void CollectCuts(List<MmCut> output, List<MmSegment> slanted)
    {
        for (var c = 0; c + 1 < Columns; c++)
        {
            output.Add(new MmCut(true, columnHigh[c], Bounds.Y0, Bounds.Y1));
            output.Add(new MmCut(true, columnLow[c + 1], Bounds.Y0, Bounds.Y1));
        }

        for (var r = 0; r + 1 < Rows; r++)
        {
            output.Add(new MmCut(false, rowHigh[r], Bounds.X0, Bounds.X1));
            output.Add(new MmCut(false, rowLow[r + 1], Bounds.X0, Bounds.X1));
        }

        foreach (var block in Blocks)
        {
            block.CollectCuts(output, slanted);
        }
    }

    private static (long[] Low, long[] High) Strips(long start, long end, int count, SeededRandom random)
    {
        var low = new long[count];
        var high = new long[count];
        if (count == 1)
        {
            low[0] = start;
            high[0] = end;
            return (low, high);
        }

        var weights = new double[count];
        for (var k = 0; k < count; k++)
        {
            weights[k] = random.Range(0.85, 1.15);
        }

        var usable = end - start - ((count - 1) * LaneWidth);
        var cuts = LotRows.Positions(0, usable, weights);
        for (var k = 0; k < count; k++)
        {
            low[k] = start + cuts[k] + (k * LaneWidth);
            high[k] = start + cuts[k + 1] + (k * LaneWidth);
        }

        high[^1] = end;
        return (low, high);
    }

    /// <summary>Largest-remainder split of a lot count in proportion to block areas, at least one lot each.</summary>
    private static int[] Apportion(int lots, double[] areas)
    {
        var shares = new int[areas.Length];
        var total = areas.Sum();
        var remaining = lots;
        var fractions = new (double Fraction, int Index)[areas.Length];
        for (var k = 0; k < areas.Length; k++)
        {
            var quota = lots * areas[k] / total;
            shares[k] = Math.Max(1, (int)Math.Floor(quota));
            remaining -= shares[k];
            fractions[k] = (quota - Math.Floor(quota), k);
        }

        var order = fractions.OrderByDescending(f => f.Fraction).ThenBy(f => f.Index).ToArray();
        for (var k = 0; remaining > 0 && k < order.Length; k++)
        {
            shares[order[k].Index]++;
            remaining--;
        }

        return shares;
    }
}
