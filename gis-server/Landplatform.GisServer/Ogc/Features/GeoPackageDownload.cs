using System.Globalization;
using Landplatform.Cadastre.Contracts.Layers;
using Microsoft.Data.Sqlite;
using NetTopologySuite.IO;
using Npgsql;

namespace Landplatform.GisServer.Ogc.Features;

/// <summary>
/// A collection (or what a query selects of it) as an OGC GeoPackage 1.3 file: one feature table with the catalog's
/// properties, its geometry in the CRS asked for (x first, as GeoPackage writes every CRS), the SRS and contents tables.
/// The rows stream from PostGIS into a temporary file, which is then sent and deleted: nothing is held in memory.
/// </summary>
public static class GeoPackageDownload
{
    public const string MediaType = "application/geopackage+sqlite3";

    // GeoPackage's application id ("GPKG") and the version it follows (1.3.0).
    internal const int ApplicationId = 0x47504B47;
    internal const int UserVersion = 10300;

    public static async Task WriteAsync(HttpContext http, NpgsqlDataSource db, FeatureCollectionDefinition collection,
        IReadOnlyList<FeatureProperty> selected, int srid, NpgsqlDataReader rows, long limit, CancellationToken ct)
    {
        var definition = await SrsDefinitionAsync(db, srid, ct);
        var path = Path.Combine(Path.GetTempPath(), $"lp-{collection.Id}-{Guid.NewGuid():N}.gpkg");
        try
        {
            await using (var file = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
            {
                await file.OpenAsync(ct);
                await CreateSchemaAsync(file, collection, selected, srid, definition, ct);
                await CopyRowsAsync(file, collection, selected, srid, rows, limit, ct);
            }

            http.Response.ContentType = MediaType;
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"{collection.Id}.gpkg\"";
            http.Response.ContentLength = new FileInfo(path).Length;
            await using var content = File.OpenRead(path);
            await content.CopyToAsync(http.Response.Body, ct);
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal static async Task<string> SrsDefinitionAsync(NpgsqlDataSource db, int srid, CancellationToken ct)
    {
        await using var command = db.CreateCommand("SELECT srtext FROM spatial_ref_sys WHERE srid = @srid");
        command.Parameters.AddWithValue("srid", srid);
        return await command.ExecuteScalarAsync(ct) as string ?? "undefined";
    }

    private static async Task CreateSchemaAsync(SqliteConnection file, FeatureCollectionDefinition collection, IReadOnlyList<FeatureProperty> selected,
        int srid, string definition, CancellationToken ct)
    {
        var columns = string.Concat(selected.Select(p => $", {Quote(p.Name)} {ColumnType(p.Type)}"));
        var idType = collection.IdIsNumeric ? "INTEGER" : "TEXT";
        await ExecuteAsync(file, $"""
            PRAGMA application_id = {ApplicationId};
            PRAGMA user_version = {UserVersion};
            CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
                organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
            CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
                description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER REFERENCES gpkg_spatial_ref_sys(srs_id));
            CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
                srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, PRIMARY KEY (table_name, column_name));
            CREATE TABLE {Quote(collection.Id)} (fid INTEGER PRIMARY KEY AUTOINCREMENT, id {idType} NOT NULL{columns}, geom {collection.GeometryType.ToUpperInvariant()});
            """, ct);

        await using var srs = file.CreateCommand();
        srs.CommandText = """
            INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL);
            INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL);
            INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, $wgs84, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
            INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES ($name, $srid, 'EPSG', $srid, $definition, NULL);
            INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES ($table, 'features', $table, $description, $srid);
            INSERT INTO gpkg_geometry_columns VALUES ($table, 'geom', $type, $srid, 0, 0);
            """;
        srs.Parameters.AddWithValue("$wgs84", srid == 4326 ? definition : "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563]],PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433],AUTHORITY[\"EPSG\",\"4326\"]]");
        srs.Parameters.AddWithValue("$name", $"EPSG:{srid}");
        srs.Parameters.AddWithValue("$srid", srid);
        srs.Parameters.AddWithValue("$definition", definition);
        srs.Parameters.AddWithValue("$table", collection.Id);
        srs.Parameters.AddWithValue("$description", collection.Description);
        srs.Parameters.AddWithValue("$type", collection.GeometryType.ToUpperInvariant());
        await srs.ExecuteNonQueryAsync(ct);
    }

    private static async Task CopyRowsAsync(SqliteConnection file, FeatureCollectionDefinition collection, IReadOnlyList<FeatureProperty> selected,
        int srid, NpgsqlDataReader rows, long limit, CancellationToken ct)
    {
        await using var transaction = (SqliteTransaction)await file.BeginTransactionAsync(ct);
        await using var insert = file.CreateCommand();
        insert.Transaction = transaction;
        var names = string.Concat(selected.Select(p => ", " + Quote(p.Name)));
        var values = string.Concat(selected.Select((_, i) => $", $p{i}"));
        insert.CommandText = $"INSERT INTO {Quote(collection.Id)} (id{names}, geom) VALUES ($id{values}, $geom)";
        var id = insert.Parameters.Add("$id", collection.IdIsNumeric ? SqliteType.Integer : SqliteType.Text);
        var parameters = selected.Select((p, i) => insert.Parameters.Add($"$p{i}", p.Type switch
        {
            AttributeType.Integer => SqliteType.Integer,
            AttributeType.Number => SqliteType.Real,
            _ => SqliteType.Text,
        })).ToList();
        var geometry = insert.Parameters.Add("$geom", SqliteType.Blob);
        var reader = new WKBReader();
        var writer = new GeoPackageGeoWriter();
        var geometryOrdinal = selected.Count + 1;
        long written = 0;
        while (written < limit && await rows.ReadAsync(ct))
        {
            id.Value = collection.IdIsNumeric ? long.Parse(rows.GetString(0), CultureInfo.InvariantCulture) : rows.GetString(0);
            for (var i = 0; i < selected.Count; i++)
            {
                parameters[i].Value = rows.IsDBNull(i + 1) ? DBNull.Value : Value(rows.GetValue(i + 1));
            }

            if (rows.IsDBNull(geometryOrdinal))
            {
                geometry.Value = DBNull.Value;
            }
            else
            {
                var shape = reader.Read(rows.GetFieldValue<byte[]>(geometryOrdinal));
                shape.SRID = srid;
                geometry.Value = writer.Write(shape);
            }

            await insert.ExecuteNonQueryAsync(ct);
            written++;
        }

        await transaction.CommitAsync(ct);
    }

    private static object Value(object value) => value switch
    {
        DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        decimal d => (double)d,
        _ => value,
    };

    private static string ColumnType(AttributeType type) => type switch
    {
        AttributeType.Integer => "INTEGER",
        AttributeType.Number => "REAL",
        AttributeType.DateTime => "DATETIME",
        _ => "TEXT",
    };

    // Names come from the catalog only; quoted because some hold a dash (flood-zones).
    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task ExecuteAsync(SqliteConnection file, string sql, CancellationToken ct)
    {
        await using var command = file.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }
}
