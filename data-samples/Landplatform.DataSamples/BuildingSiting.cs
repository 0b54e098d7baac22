using System.Text;
using NetTopologySuite.Geometries;

namespace Landplatform.DataSamples;

/// <summary>Places at most one building per parcel, set back from every boundary.</summary>
internal sealed class BuildingSiting(CsvTable table, GeometryFactory factory)
{
    private const long MinimumSetback = 1500;
    private readonly StringBuilder wkt = new();

    public long Count { get; private set; }

    /// <summary>Sites a building on a parcel; lot is a rectangle wholly inside it when the parcel is an uncut lot of its block, else null.</summary>
    public void Site(string upi, LandUse use, MmRect? lot, Geometry? parcel, bool nearKingstown, SeededRandom random)
    {
        var chance = use switch
        {
            LandUse.Residential or LandUse.Commercial or LandUse.Industrial or LandUse.Institutional => 0.6,
            LandUse.Agricultural => 0.2,
            _ => 0.0,
        };
        if (!random.Chance(chance))
        {
            return;
        }

        var (kind, storeys, low, high) = Kind(use, nearKingstown, random);
        var wanted = random.Range(low, high);
        var aspect = random.Range(1.0, 1.7);
        var footprint = lot is { } rect ? OnRectangle(rect, wanted, aspect, random)
            : parcel is not null ? OnShape(parcel, wanted, aspect, random)
            : null;
        if (footprint is not { } placed)
        {
            return;
        }

        Count++;
        wkt.Clear();
        WktText.AppendRectanglePolygon(wkt, placed);
        table.Field(Count).Field(upi).Field(kind).Field(storeys).Wkt(wkt).EndRow();
    }

    private static (string Kind, int Storeys, double Low, double High) Kind(LandUse use, bool nearKingstown, SeededRandom random)
    {
        switch (use)
        {
            case LandUse.Residential:
                return random.Chance(0.92)
                    ? ("dwelling", random.Weighted([0.55, 0.4, 0.05]) + 1, 70, 220)
                    : ("shop", random.Between(1, 2), 60, 200);
            case LandUse.Commercial:
                return random.Weighted([0.45, 0.35, 0.2]) switch
                {
                    0 => ("shop", random.Between(1, nearKingstown ? 3 : 2), 80, 350),
                    1 => ("office", random.Between(nearKingstown ? 2 : 1, nearKingstown ? 4 : 3), 150, 600),
                    _ => ("warehouse", random.Between(1, 2), 250, 1200),
                };
            case LandUse.Industrial:
                return random.Chance(0.85) ? ("warehouse", random.Between(1, 2), 300, 1500) : ("office", random.Between(1, 3), 150, 500);
            case LandUse.Institutional:
                return random.Weighted([0.35, 0.35, 0.2, 0.1]) switch
                {
                    0 => ("school", random.Between(1, 3), 300, 1200),
                    1 => ("church", random.Between(1, 2), 150, 500),
                    2 => ("clinic", random.Between(1, 2), 120, 400),
                    _ => ("office", random.Between(1, 4), 150, 600),
                };
            default:
                return random.Chance(0.75) ? ("farm building", 1, 40, 250) : ("dwelling", random.Between(1, 2), 70, 180);
        }
    }

    private static MmRect? OnRectangle(MmRect lot, double wantedArea, double aspect, SeededRandom random)
    {
        var setback = Math.Clamp((long)(Math.Min(lot.Width, lot.Height) * 0.12), MinimumSetback, 6000);
        var inner = new MmRect(lot.X0 + setback, lot.Y0 + setback, lot.X1 - setback, lot.Y1 - setback);
        if (inner.Width < 3000 || inner.Height < 3000)
        {
            return null;
        }

        var area = Math.Min(wantedArea, inner.AreaSquareMetres * 0.5);
        var longSide = Math.Sqrt(area * aspect) * 1000;
        var shortSide = area * 1e6 / longSide;
        var (width, height) = inner.Width >= inner.Height ? (longSide, shortSide) : (shortSide, longSide);
        var w = (long)Math.Min(width, inner.Width);
        var h = (long)Math.Min(height, inner.Height);
        if (w < 3000 || h < 3000)
        {
            return null;
        }

        var x0 = inner.X0 + (long)(random.NextDouble() * (inner.Width - w));
        var y0 = inner.Y0 + (long)(random.NextDouble() * (inner.Height - h));
        var footprint = new MmRect(x0, y0, x0 + w, y0 + h);

        // Strictly inside: the setback keeps every side off the parcel boundary.
        return footprint.X0 > lot.X0 && footprint.Y0 > lot.Y0 && footprint.X1 < lot.X1 && footprint.Y1 < lot.Y1 ? footprint : null;
    }

    private MmRect? OnShape(Geometry parcel, double wantedArea, double aspect, SeededRandom random)
    {
        var centre = parcel.InteriorPoint.Coordinate;
        var cx = Millimetres.FromMetres(centre.X);
        var cy = Millimetres.FromMetres(centre.Y);
        var area = Math.Min(wantedArea, parcel.Area * 0.35);
        foreach (var scale in new[] { 1.0, 0.7, 0.5, 0.35 })
        {
            var scaled = area * scale * scale;
            var longSide = (long)(Math.Sqrt(scaled * aspect) * 1000);
            var shortSide = (long)(scaled * 1e6 / Math.Max(1, longSide));
            if (longSide < 3000 || shortSide < 3000)
            {
                break;
            }

            var (w, h) = random.Chance(0.5) ? (longSide, shortSide) : (shortSide, longSide);
            var footprint = new MmRect(cx - (w / 2), cy - (h / 2), cx - (w / 2) + w, cy - (h / 2) + h);
            var clearance = new MmRect(footprint.X0 - MinimumSetback, footprint.Y0 - MinimumSetback, footprint.X1 + MinimumSetback, footprint.Y1 + MinimumSetback);
            if (parcel.Contains(clearance.ToPolygon(factory)))
            {
                return footprint;
            }
        }

        return null;
    }
}
