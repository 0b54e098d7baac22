using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using NetTopologySuite.Precision;
using NetTopologySuite.Triangulate;

namespace Landplatform.DataSamples;

/// <summary>Which parishes each grid cell touches, and the parish that holds it whole (if any).</summary>
internal sealed record CellParishes(byte[] Mask, sbyte[] WholeIn);

/// <summary>The parishes of one island copy, prepared for fast cell tests.</summary>
internal sealed class ParishMap
{
    public ParishMap(IReadOnlyList<Geometry> parishes)
    {
        Parishes = parishes;
        Prepared = parishes.Select(PreparedGeometryFactory.Prepare).ToArray();
    }

    public IReadOnlyList<Geometry> Parishes { get; }

    public IReadOnlyList<IPreparedGeometry> Prepared { get; }

    /// <summary>Voronoi split of the coast around fixed seed points, several seeds per parish.</summary>
    public static Geometry[] Split(Polygon island, double offsetX, SurveyGeometry geometry)
    {
        var sites = new List<Coordinate>();
        var owners = new List<int>();
        for (var p = 0; p < Gazetteer.Parishes.Count; p++)
        {
            foreach (var (x, y) in Gazetteer.Parishes[p].Seeds)
            {
                sites.Add(new Coordinate(x + offsetX, y));
                owners.Add(p);
            }
        }

        var envelope = new Envelope(island.EnvelopeInternal);
        envelope.ExpandBy(20_000);
        var builder = new VoronoiDiagramBuilder { ClipEnvelope = envelope };
        builder.SetSites(sites);
        var diagram = builder.GetDiagram(geometry.Factory);
        var cells = new List<Geometry>[Gazetteer.Parishes.Count];
        for (var p = 0; p < cells.Length; p++)
        {
            cells[p] = [];
        }

        for (var i = 0; i < diagram.NumGeometries; i++)
        {
            // Vertices go onto the millimetre grid first so neighbouring parishes share them exactly.
            var cell = GeometryPrecisionReducer.Reduce(diagram.GetGeometryN(i), geometry.Precision);
            var inside = cell.InteriorPoint.Coordinate;
            var nearest = 0;
            for (var k = 1; k < sites.Count; k++)
            {
                if (sites[k].Distance(inside) < sites[nearest].Distance(inside))
                {
                    nearest = k;
                }
            }

            cells[owners[nearest]].Add(cell);
        }

        return cells.Select(c => geometry.Intersection(geometry.Union(c), island)).ToArray();
    }

    public CellParishes Classify(RoadGrid grid, Func<int, bool> hasLand, GeometryFactory factory)
    {
        var mask = new byte[grid.Columns * grid.Rows];
        var wholeIn = new sbyte[mask.Length];
        var envelopes = Parishes.Select(p => p.EnvelopeInternal).ToArray();
        for (var iy = 0; iy < grid.Rows; iy++)
        {
            for (var ix = 0; ix < grid.Columns; ix++)
            {
                var index = (iy * grid.Columns) + ix;
                wholeIn[index] = -1;
                if (!hasLand(index))
                {
                    continue;
                }

                var rect = grid.Cell(ix, iy);
                var envelope = rect.ToEnvelope();
                var polygon = rect.ToPolygon(factory);
                byte bits = 0;
                for (var d = 0; d < Parishes.Count; d++)
                {
                    if (!envelopes[d].Intersects(envelope))
                    {
                        continue;
                    }

                    if (envelopes[d].Contains(envelope) && Prepared[d].Contains(polygon))
                    {
                        wholeIn[index] = (sbyte)d;
                        bits = (byte)(1 << d);
                        break;
                    }

                    if (Prepared[d].Intersects(polygon))
                    {
                        bits |= (byte)(1 << d);
                    }
                }

                mask[index] = bits;
            }
        }

        return new CellParishes(mask, wholeIn);
    }
}
