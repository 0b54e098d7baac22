using System.Globalization;
using System.Text;
using NpgsqlTypes;

namespace Landplatform.Tiles.Vector;

/// <summary>
/// The one query that makes a Mapbox Vector Tile of a layer: PostGIS selects the features whose
/// EPSG:2007 geometry meets the tile (GiST index), simplifies them to the tile's resolution, projects
/// and clips them with <c>ST_AsMVTGeom</c> and encodes them with <c>ST_AsMVT</c>.
/// </summary>
public static class VectorTileSql
{
    /// <summary>Tile coordinates run 0..4096 inside a tile, as most clients expect.</summary>
    public const int Extent = 4096;

    /// <summary>Geometry is kept this many units beyond the tile edge so strokes join across tiles.</summary>
    public const int Buffer = 64;

    private const int NationalSrid = 2007;

    /// <summary>The SQL text and its parameter values for one tile (null SQL when the layer shows nothing at this zoom).</summary>
    public static (string Sql, IReadOnlyList<(string Name, object Value, NpgsqlDbType Type)> Parameters)? Build(TileLayer layer, TileAddress tile, DateTimeOffset? asOf)
    {
        if (tile.Z < layer.MinZoom)
        {
            return null;
        }

        var parameters = new List<(string, object, NpgsqlDbType)>
        {
            ("z", tile.Z, NpgsqlDbType.Integer),
            ("x", tile.X, NpgsqlDbType.Integer),
            ("y", tile.Y, NpgsqlDbType.Integer),
        };

        // One MVT unit at this zoom, in metres; EPSG:2007 metres are within 3 % of Web Mercator's here.
        var unit = tile.Size / Extent;
        // Each attribute under its one public name, as the type the catalog gives it (numeric columns as numbers, not
        // the strings ST_AsMVT would write for PostgreSQL's numeric type); a numeric id is the MVT feature id.
        var select = new StringBuilder();
        foreach (var attribute in layer.AttributesAt(tile.Z))
        {
            select.Append("t.").Append(attribute.Column).Append(attribute.Type switch
            {
                Landplatform.Cadastre.Contracts.Layers.AttributeType.Number => "::float8",
                Landplatform.Cadastre.Contracts.Layers.AttributeType.Integer => "::int8",
                _ => string.Empty,
            }).Append(" AS \"").Append(attribute.Name).Append("\", ");
        }

        var featureId = string.Empty;
        if (layer.IdIsNumeric)
        {
            select.Append("t.").Append(layer.IdColumn).Append("::int8 AS feature_id, ");
            featureId = ", 'feature_id'";
        }

        var geometry = tile.Z >= 17 ? $"t.{layer.GeometryColumn}" : $"ST_Simplify(t.{layer.GeometryColumn}, @tolerance, true)";
        if (tile.Z < 17)
        {
            parameters.Add(("tolerance", unit, NpgsqlDbType.Double));
        }

        var where = new StringBuilder($"t.{layer.GeometryColumn} && tile.national");
        if (layer.IsTemporal && asOf is { } instant)
        {
            where.Append(" AND t.status <> 'pending' AND t.valid_from <= @asOf AND (t.valid_to IS NULL OR t.valid_to > @asOf)");
            parameters.Add(("asOf", instant.ToUniversalTime(), NpgsqlDbType.TimestampTz));
        }
        else
        {
            where.Append(" AND ").Append(layer.Filter);
        }

        if (layer.SmallFeatureArea is { } areaColumn && tile.Z < 14)
        {
            // A feature smaller than one screen pixel (256 px tiles) is invisible: leave it out at coarse zooms.
            where.Append(" AND t.").Append(areaColumn).Append(" >= @minArea");
            var pixel = tile.Size / 256;
            parameters.Add(("minArea", pixel * pixel, NpgsqlDbType.Double));
        }

        parameters.Add(("layer", layer.Id, NpgsqlDbType.Text));
        parameters.Add(("margin", (double)Buffer / Extent, NpgsqlDbType.Double));
        parameters.Add(("segment", tile.Size / 8, NpgsqlDbType.Double));
        // No "WHERE geom IS NOT NULL" around the features: ST_AsMVT skips a row whose geometry is null (what
        // ST_AsMVTGeom gives for a feature that only the buffered search box meets), and PostgreSQL would push
        // such a condition into the scan and run ST_AsMVTGeom twice per feature.
        var sql = $"""
            WITH tile AS (
              SELECT ST_TileEnvelope(@z, @x, @y) AS merc,
                     ST_Transform(ST_Segmentize(ST_TileEnvelope(@z, @x, @y, margin => @margin), @segment), {NationalSrid}) AS national
            )
            SELECT ST_AsMVT(q, @layer, {Extent}, 'geom'{featureId}) FROM (
              SELECT {select}ST_AsMVTGeom(ST_Transform({geometry}, 3857), tile.merc, {Extent}, {Buffer}, true) AS geom
              FROM {layer.Table} t, tile
              WHERE {where}
            ) q
            """;
        return (sql, parameters);
    }

    /// <summary>The same query with its values written in, for running it outside the server (the benchmark's raw SQL).</summary>
    public static string Inline(string sql, IReadOnlyList<(string Name, object Value, NpgsqlDbType Type)> parameters)
    {
        foreach (var (name, value, _) in parameters.OrderByDescending(p => p.Name.Length))
        {
            var literal = value switch
            {
                string text => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'",
                DateTimeOffset instant => "'" + instant.ToString("O", CultureInfo.InvariantCulture) + "'::timestamptz",
                double d => d.ToString("R", CultureInfo.InvariantCulture) + "::float8",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => throw new ArgumentException($"No literal for {value.GetType()}"),
            };
            sql = sql.Replace("@" + name, literal, StringComparison.Ordinal);
        }

        return sql;
    }
}
