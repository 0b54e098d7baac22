using NetTopologySuite.Geometries;

namespace Landplatform.DataSamples;

internal enum LandUse
{
    Residential,
    Agricultural,
    Commercial,
    Industrial,
    Institutional,
    Forest,
    Conservation,
}

/// <summary>What the land is like at a point: how urban, how far inland, which settlement it belongs to.</summary>
internal readonly record struct LandSite(
    double Urban,
    double Interior,
    bool HighInterior,
    double CoastDistance,
    double KingstownDistance,
    int Settlement);

/// <summary>Smooth fields over the main island frame that drive lot sizes and land use.</summary>
internal sealed class Landscape
{
    private static readonly double[][] UseProfiles =
    [
        // residential, agricultural, commercial, industrial, institutional, forest, conservation
        [30, 0, 45, 8, 17, 0, 0], // Kingstown core
        [62, 3, 18, 7, 9, 1, 0], // town
        [44, 43, 3, 2, 3, 5, 0], // coastal countryside
        [12, 58, 1, 1, 1, 25, 2], // inland farming
        [2, 30, 0, 0, 0, 58, 10], // forest slopes
        [0, 3, 0, 0, 0, 25, 72], // high interior
    ];

    private readonly double[] ringX;
    private readonly double[] ringY;

    public Landscape(Polygon island)
    {
        var coordinates = island.ExteriorRing.Coordinates;
        ringX = coordinates.Select(c => c.X).ToArray();
        ringY = coordinates.Select(c => c.Y).ToArray();
    }

    public static string Code(LandUse use) => use switch
    {
        LandUse.Residential => "residential",
        LandUse.Agricultural => "agricultural",
        LandUse.Commercial => "commercial",
        LandUse.Industrial => "industrial",
        LandUse.Institutional => "institutional",
        LandUse.Forest => "forest",
        _ => "conservation",
    };

    public double CoastDistance(double x, double y)
    {
        var best = double.MaxValue;
        for (var i = 0; i + 1 < ringX.Length; i++)
        {
            var ax = ringX[i];
            var ay = ringY[i];
            var dx = ringX[i + 1] - ax;
            var dy = ringY[i + 1] - ay;
            var lengthSquared = (dx * dx) + (dy * dy);
            var t = lengthSquared > 0 ? Math.Clamp((((x - ax) * dx) + ((y - ay) * dy)) / lengthSquared, 0, 1) : 0;
            var px = ax + (t * dx) - x;
            var py = ay + (t * dy) - y;
            best = Math.Min(best, (px * px) + (py * py));
        }

        return Math.Sqrt(best);
    }

    /// <summary>x, y in the main island frame (copies are shifted back before asking).</summary>
    public LandSite Describe(double x, double y)
    {
        var coast = CoastDistance(x, y);
        var kingstown = Distance(x, y, Gazetteer.KingstownX, Gazetteer.KingstownY);
        var settlement = Gazetteer.NearestSettlement(x, y);
        var place = Gazetteer.Settlements[settlement];
        var village = Distance(x, y, place.X, place.Y);
        var urban = Math.Max(Math.Exp(-kingstown / 1800.0), 0.6 * Math.Exp(-village / 700.0));
        var interior = SmoothStep(800, 4500, coast);
        var high = coast > 4300 || Distance(x, y, Gazetteer.SoufriereX, Gazetteer.SoufriereY) < 2200;
        return new LandSite(urban, interior, high, coast, kingstown, settlement);
    }

    /// <summary>Relative lot area: small lots in Kingstown, large ones up in the forest.</summary>
    public static double LotSizeWeight(in LandSite site) =>
        (0.12 + (0.88 * (1 - site.Urban))) * (1 + (3 * site.Interior)) * (site.HighInterior ? 1.5 : 1.0);

    public static LandUse ChooseUse(in LandSite site, SeededRandom random)
    {
        int profile;
        if (site.KingstownDistance < 700)
        {
            profile = 0;
        }
        else if (site.HighInterior)
        {
            profile = 5;
        }
        else
        {
            var u = site.Urban;
            var g = site.Interior;
            ReadOnlySpan<double> blend = [u, (1 - u) * (1 - g) * (1 - g), (1 - u) * 2 * g * (1 - g), (1 - u) * g * g];
            profile = 1 + random.Weighted(blend);
        }

        return (LandUse)random.Weighted(UseProfiles[profile]);
    }

    private static double Distance(double x0, double y0, double x1, double y1)
    {
        var dx = x1 - x0;
        var dy = y1 - y0;
        return Math.Sqrt((dx * dx) + (dy * dy));
    }

    private static double SmoothStep(double edge0, double edge1, double value)
    {
        var t = Math.Clamp((value - edge0) / (edge1 - edge0), 0, 1);
        return t * t * (3 - (2 * t));
    }
}
