using Landplatform.GisServer.Ogc.Wms;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using SkiaSharp;

namespace Landplatform.GisServer.Tests;

/// <summary>The renderer reads geometry bytes itself: every encoding PostGIS may send must draw where the geometry is.</summary>
public sealed class WkbPathTests
{
    // A 100 m square view in the national grid, 100 pixels wide: one pixel per metre, y downwards.
    private static readonly MapView View = new(1000, 2000, 1100, 2100, 2007, 100, 100);

    private static readonly Geometry PolygonWithHole = new WKTReader().Read(
        "MULTIPOLYGON(((1010 2010, 1090 2010, 1090 2090, 1010 2090, 1010 2010), (1040 2040, 1060 2040, 1060 2060, 1040 2060, 1040 2040)), ((1095 2095, 1099 2095, 1099 2099, 1095 2095)))");

    [Theory]
    [InlineData(ByteOrder.LittleEndian, false)]
    [InlineData(ByteOrder.BigEndian, false)]
    [InlineData(ByteOrder.LittleEndian, true)]
    public void A_multipolygon_with_a_hole_draws_its_rings_at_their_pixels(ByteOrder order, bool extended)
    {
        PolygonWithHole.SRID = 2007;
        var bytes = new WKBWriter(order, handleSRID: extended, emitZ: extended).Write(PolygonWithHole);

        using var builder = new SKPathBuilder { FillType = SKPathFillType.EvenOdd };
        Assert.True(WkbPath.TryAppend(bytes, View, builder));
        using var path = builder.Detach();

        Assert.Equal(new SKRect(10, 1, 99, 90), path.Bounds);
        Assert.True(path.Contains(20, 50), "inside the outer ring");
        Assert.False(path.Contains(50, 50), "inside the hole");
        Assert.True(path.Contains(97, 4.5f), "inside the second polygon");
    }

    [Fact]
    public void Truncated_or_foreign_bytes_are_refused_rather_than_drawn()
    {
        var bytes = new WKBWriter().Write(PolygonWithHole);
        using var builder = new SKPathBuilder();

        Assert.False(WkbPath.TryAppend(bytes.AsSpan(0, bytes.Length - 9), View, builder));
        Assert.False(WkbPath.TryAppend([7, 1, 0, 0, 0], View, builder));
        Assert.False(WkbPath.TryAppend([1, 99, 0, 0, 0, 0, 0, 0, 0], View, builder));
        Assert.False(WkbPath.TryAppend([], View, builder));
    }
}
