using System.Text;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Overlay;
using NetTopologySuite.Operation.OverlayNG;

namespace Landplatform.DataSamples;

/// <summary>Synthetic hazard zones: coastal and river flooding, landslide-prone interior, storm surge.</summary>
internal sealed class HazardMapping(CsvTable table, SurveyGeometry geometry)
{
    private static readonly (double X0, double Y0, double X1, double Y1)[] LowCoasts =
    [
        (482_500, 1_450_000, 488_500, 1_455_000), // Kingstown to Calliaqua
        (493_000, 1_461_000, 497_000, 1_470_500), // Colonarie to Georgetown
        (476_000, 1_456_500, 480_500, 1_461_000), // Buccament and Layou
        (476_000, 1_461_500, 479_800, 1_464_800), // Barrouallie
        (490_500, 1_475_500, 497_000, 1_481_000), // Sandy Bay
    ];

    private static readonly (double X0, double Y0, double X1, double Y1)[] SurgeCoasts =
    [
        (470_000, 1_445_000, 500_000, 1_456_500), // south coast
        (492_800, 1_456_500, 500_000, 1_476_000), // east (windward) coast
    ];

    private static readonly ((double X, double Y) Source, (double X, double Y) Mouth)[] Rivers =
    [
        ((Gazetteer.SoufriereX, Gazetteer.SoufriereY), (495_200, 1_470_800)),
        ((Gazetteer.SoufriereX, Gazetteer.SoufriereY), (481_600, 1_470_600)),
        ((487_200, 1_465_500), (495_000, 1_463_200)),
        ((487_200, 1_465_500), (478_800, 1_466_400)),
        ((487_800, 1_462_000), (477_500, 1_460_300)),
        ((487_800, 1_462_000), (493_600, 1_458_600)),
        ((486_500, 1_459_000), (479_000, 1_456_700)),
        ((486_500, 1_459_000), (484_200, 1_453_400)),
        ((487_800, 1_462_000), (491_200, 1_452_200)),
    ];

    private readonly StringBuilder wkt = new();

    public long Count { get; private set; }

    /// <summary>Maps one copy of the island; island is already shifted by offsetX metres.</summary>
    public void Map(Polygon island, double offsetX, ulong seed, int copy)
    {
        var factory = geometry.Factory;
        var coast = island.ExteriorRing;
        foreach (var (x0, y0, x1, y1) in LowCoasts)
        {
            var stretch = Stretch(coast, x0 + offsetX, y0, x1 + offsetX, y1);
            Bands(stretch, island, "flood_coastal", [(0, 150, "high"), (150, 300, "medium")]);
        }

        for (var r = 0; r < Rivers.Length; r++)
        {
            var line = Meander(Rivers[r].Source, Rivers[r].Mouth, offsetX, SeededRandom.For(seed, 501, copy, r), factory);
            Bands(line, island, "flood_river", [(0, 60, "high"), (60, 120, "medium")]);
        }

        var core = island.Buffer(-4000);
        var slopes = island.Buffer(-2000);
        Write("landslide", "high", geometry.Intersection(core, island));
        Write("landslide", "medium", geometry.Intersection(geometry.Difference(slopes, core), island));

        foreach (var (x0, y0, x1, y1) in SurgeCoasts)
        {
            var stretch = Stretch(coast, x0 + offsetX, y0, x1 + offsetX, y1);
            Bands(stretch, island, "storm_surge", [(0, 100, "high"), (100, 250, "medium"), (250, 400, "low")]);
        }
    }

    private Geometry Stretch(LineString coast, double x0, double y0, double x1, double y1) =>
        OverlayNG.Overlay(coast, geometry.Rectangle(x0, y0, x1, y1), SpatialFunction.Intersection);

    private void Bands(Geometry line, Polygon island, string hazard, (double Inner, double Outer, string Level)[] bands)
    {
        if (line.IsEmpty)
        {
            return;
        }

        foreach (var (inner, outer, level) in bands)
        {
            var zone = line.Buffer(outer);
            if (inner > 0)
            {
                zone = geometry.Difference(zone, line.Buffer(inner));
            }

            Write(hazard, level, geometry.Intersection(zone, island));
        }
    }

    private static LineString Meander((double X, double Y) source, (double X, double Y) mouth, double offsetX, SeededRandom random, GeometryFactory factory)
    {
        const int Steps = 48;
        var dx = mouth.X - source.X;
        var dy = mouth.Y - source.Y;
        var length = Math.Sqrt((dx * dx) + (dy * dy));
        var (nx, ny) = (-dy / length, dx / length);
        var amplitude = random.Range(150, 350);
        var frequency = random.Range(1.5, 3.0);
        var phase = random.Range(0, 2 * Math.PI);
        var phase2 = random.Range(0, 2 * Math.PI);
        var points = new List<Coordinate>(Steps + 2);
        for (var k = 0; k <= Steps; k++)
        {
            var t = (double)k / Steps;
            var swing = amplitude * Math.Sin(Math.PI * t) *
                (Math.Sin((2 * Math.PI * frequency * t) + phase) + (0.4 * Math.Sin((2 * Math.PI * 2.3 * frequency * t) + phase2)));
            points.Add(new Coordinate(source.X + (t * dx) + (swing * nx) + offsetX, source.Y + (t * dy) + (swing * ny)));
        }

        // Carry the channel past the mouth so its flood zone reaches the shoreline.
        points.Add(new Coordinate(mouth.X + (dx / length * 600) + offsetX, mouth.Y + (dy / length * 600)));
        return factory.CreateLineString(points.ToArray());
    }

    private void Write(string hazard, string level, Geometry zone)
    {
        if (zone.IsEmpty || !zone.IsValid)
        {
            return;
        }

        Count++;
        wkt.Clear();
        WktText.AppendMultiPolygon(wkt, zone);
        table.Field(Count).Field(hazard).Field(level).Wkt(wkt).EndRow();
    }
}
