using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;

namespace Landplatform.DataSamples;

/// <summary>A lot of a block: its band and index, and its clipped shape when it is not the whole rectangle.</summary>
internal readonly record struct LotPiece(int Band, int Lot, Geometry? Cut);

/// <summary>Cuts a block and its lots against the part of a grid cell that lies in one parish.</summary>
internal static class BlockCutting
{
    public const double MinimumLotArea = 50;
    private const double MinimumLotPartArea = 5;

    /// <summary>Collects the surviving lots of a block within a cell piece (null: whole cell); shape is null for a whole rectangle.</summary>
    public static bool Cut(
        LotRows block,
        Geometry? piece,
        IPreparedGeometry? preparedPiece,
        SurveyGeometry geometry,
        List<LotPiece> lots,
        List<long> ringX,
        List<long> ringY,
        out Geometry? shape)
    {
        lots.Clear();
        shape = null;
        IPreparedGeometry? preparedShape = null;
        if (piece is not null && preparedPiece is not null)
        {
            var rectangle = block.Bounds.ToPolygon(geometry.Factory);
            if (!preparedPiece.Contains(rectangle))
            {
                if (!preparedPiece.Intersects(rectangle))
                {
                    return false;
                }

                shape = geometry.Polygonal(geometry.Intersection(rectangle, piece), 1.0);
                if (shape.IsEmpty || shape.Area < MinimumLotArea)
                {
                    return false;
                }

                preparedShape = PreparedGeometryFactory.Prepare(shape);
            }
        }

        for (var band = 0; band < block.Bands; band++)
        {
            for (var lot = 0; lot < block.LotsInBand(band); lot++)
            {
                if (shape is null || preparedShape is null)
                {
                    lots.Add(new LotPiece(band, lot, null));
                    continue;
                }

                block.Ring(band, lot, ringX, ringY);
                var polygon = RingPolygon(ringX, ringY, geometry.Factory);
                if (preparedShape.Contains(polygon))
                {
                    lots.Add(new LotPiece(band, lot, null));
                }
                else if (preparedShape.Intersects(polygon))
                {
                    var cut = geometry.Polygonal(geometry.Intersection(polygon, shape), MinimumLotPartArea);
                    if (!cut.IsEmpty && cut.Area >= MinimumLotArea)
                    {
                        lots.Add(new LotPiece(band, lot, cut));
                    }
                }
            }
        }

        return lots.Count > 0;
    }

    public static Polygon RingPolygon(List<long> ringX, List<long> ringY, GeometryFactory factory)
    {
        var coordinates = new Coordinate[ringX.Count];
        for (var i = 0; i < coordinates.Length; i++)
        {
            coordinates[i] = Millimetres.Point(ringX[i], ringY[i]);
        }

        return factory.CreatePolygon(coordinates);
    }
}
