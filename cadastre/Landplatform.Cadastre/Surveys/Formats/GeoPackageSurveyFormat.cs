using Microsoft.Data.Sqlite;
using NetTopologySuite.IO;

namespace Landplatform.Cadastre.Surveys.Formats;

/// <summary>
/// A GeoPackage, read in process: the SQLite header and GeoPackage application id checked first, the file opened
/// read-only and immutable (no extension loading, untrusted schema), its schema refused when it holds a view or a
/// trigger the specification does not define (<see cref="GeoPackageSchema"/>), then the one feature table named in
/// gpkg_contents read with NetTopologySuite's GeoPackage geometry reader. The CRS comes from gpkg_spatial_ref_sys.
/// SQLite's words are never passed on, only its error code.
/// </summary>
internal static class GeoPackageSurveyFormat
{
    public static async Task<SurveyPlan> ReadAsync(byte[] content, int? declaredSrid, SurveyTolerances tolerances, CancellationToken ct)
    {
        CheckHeader(content);
        var work = Directory.CreateTempSubdirectory("lp-survey-");
        try
        {
            var path = Path.Combine(work.FullName, "upload.gpkg");
            await File.WriteAllBytesAsync(path, content, ct);
            var connection = new SqliteConnectionStringBuilder
            {
                DataSource = new Uri(path).AbsoluteUri + "?immutable=1",
                Mode = SqliteOpenMode.ReadOnly,
                Pooling = false,
            };
            await using var db = new SqliteConnection(connection.ToString());
            try
            {
                await db.OpenAsync(ct);
                return await ReadAsync(db, declaredSrid, tolerances, ct);
            }
            catch (SqliteException e)
            {
                throw SurveyUnreadableException.Because($"The GeoPackage's database is damaged or not one SQLite can read (SQLite error {e.SqliteErrorCode}).");
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>A GeoPackage is an SQLite 3 file whose header carries the GeoPackage application id ('GPKG').</summary>
    private static void CheckHeader(byte[] content)
    {
        if (content.Length < 100 || !content.AsSpan(0, 16).SequenceEqual("SQLite format 3\0"u8))
        {
            throw SurveyUnreadableException.Because("The file is not a GeoPackage: it does not start with the SQLite 3 header (byte 0).");
        }

        if (!content.AsSpan(68, 4).SequenceEqual("GPKG"u8))
        {
            throw SurveyUnreadableException.Because("The file is an SQLite database but not a GeoPackage: its application id (byte 68) is not 'GPKG'.");
        }
    }

    private static async Task<SurveyPlan> ReadAsync(SqliteConnection db, int? declaredSrid, SurveyTolerances tolerances, CancellationToken ct)
    {
        // The schema is untrusted: functions it names run only when SQLite deems them innocuous.
        await ExecuteAsync(db, "PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON; PRAGMA mmap_size = 0;", ct);
        var check = await ScalarAsync(db, "PRAGMA quick_check(1)", ct);
        if (check is not "ok")
        {
            throw SurveyUnreadableException.Because("The GeoPackage's database is damaged (SQLite's integrity check fails).");
        }

        var schema = new List<GeoPackageSchema.Entry>();
        await using (var command = new SqliteCommand("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid", db))
        await using (var rows = await command.ExecuteReaderAsync(ct))
        {
            while (await rows.ReadAsync(ct))
            {
                schema.Add(new(schema.Count + 1, rows.GetString(0), rows.GetString(1), rows.GetString(2), rows.IsDBNull(3) ? null : rows.GetString(3)));
            }
        }

        GeoPackageSchema.Check(schema);
        foreach (var table in new[] { "gpkg_contents", "gpkg_geometry_columns", "gpkg_spatial_ref_sys" })
        {
            RequireOrdinaryTable(schema, table);
        }

        var layers = new List<(string Table, string Column, long SrsId)>();
        await using (var command = new SqliteCommand(
            "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name WHERE c.data_type = 'features'", db))
        await using (var rows = await command.ExecuteReaderAsync(ct))
        {
            while (await rows.ReadAsync(ct) && layers.Count < 2)
            {
                layers.Add((rows.GetString(0), rows.GetString(1), rows.GetInt64(2)));
            }
        }

        var (featureTable, geometryColumn, srsId) = layers.Count switch
        {
            0 => throw SurveyUnreadableException.Because("The GeoPackage holds no feature table (gpkg_contents names none with a geometry column)."),
            1 => layers[0],
            _ => throw SurveyUnreadableException.Because("The GeoPackage holds more than one feature table; lodge one layer of lots."),
        };
        RequireOrdinaryTable(schema, featureTable);

        var srid = SurveyCrs.Resolve(await FileSridAsync(db, srsId, ct), declaredSrid, rfcDefault: null);
        var lots = new SurveyFeatureSet(srid, tolerances);
        var reader = new GeoPackageGeoReader();
        await using (var command = new SqliteCommand($"SELECT * FROM {Quoted(featureTable)}", db))
        await using (var rows = await command.ExecuteReaderAsync(ct))
        {
            var geometryOrdinal = Enumerable.Range(0, rows.FieldCount).FirstOrDefault(i => rows.GetName(i).Equals(geometryColumn, StringComparison.OrdinalIgnoreCase), -1);
            if (geometryOrdinal < 0)
            {
                throw SurveyUnreadableException.Because($"The GeoPackage's feature table has no column '{SurveyFeatureSet.Printable(geometryColumn)}', which gpkg_geometry_columns names.");
            }

            var index = 0;
            while (await rows.ReadAsync(ct))
            {
                index++;
                var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i < rows.FieldCount; i++)
                {
                    if (i != geometryOrdinal)
                    {
                        attributes[rows.GetName(i)] = rows.IsDBNull(i) ? null : rows.GetValue(i);
                    }
                }

                var blob = rows.IsDBNull(geometryOrdinal) ? null : rows.GetValue(geometryOrdinal) as byte[];
                var position = index;
                lots.Add(SurveyFeature.From(index, attributes), label => SurveyFeatureSet.Rings(blob is null ? null : Geometry(reader, blob, position), label));
            }
        }

        return lots.ToPlan("gpkg");
    }

    private static NetTopologySuite.Geometries.Geometry Geometry(GeoPackageGeoReader reader, byte[] blob, int position)
    {
        try
        {
            return reader.Read(blob);
        }
        catch (Exception e) when (e is ParseException or ArgumentException or EndOfStreamException or IOException or InvalidOperationException or IndexOutOfRangeException or OverflowException)
        {
            throw SurveyUnreadableException.Because($"Feature {position}'s geometry is not a valid GeoPackage geometry (a damaged blob or an unclosed ring).");
        }
    }

    /// <summary>The EPSG code of the layer's gpkg_spatial_ref_sys row; none for the specification's undefined systems (0, -1).</summary>
    private static async Task<int?> FileSridAsync(SqliteConnection db, long srsId, CancellationToken ct)
    {
        await using var command = new SqliteCommand("SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys WHERE srs_id = $id", db);
        command.Parameters.AddWithValue("$id", srsId);
        await using var rows = await command.ExecuteReaderAsync(ct);
        if (!await rows.ReadAsync(ct))
        {
            throw SurveyUnreadableException.Because($"The GeoPackage's layer names srs_id {srsId}, which gpkg_spatial_ref_sys does not hold.");
        }

        var organization = rows.IsDBNull(0) ? null : rows.GetValue(0) as string;
        var code = rows.IsDBNull(1) ? (long?)null : rows.GetValue(1) as long?;
        if (srsId is 0 or -1 || string.Equals(organization, "NONE", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return string.Equals(organization, "EPSG", StringComparison.OrdinalIgnoreCase) && code is > 0 and < 1_000_000
            ? (int)code
            : throw SurveyUnreadableException.Because(
                $"The GeoPackage's CRS (gpkg_spatial_ref_sys srs_id {srsId}) is not an EPSG code; lodge the layer in an EPSG system (e.g. EPSG:2007, EPSG:32620, EPSG:4326).");
    }

    /// <summary>A table the reader selects from must be a plain table: never a virtual table, whose module would run.</summary>
    private static void RequireOrdinaryTable(IReadOnlyList<GeoPackageSchema.Entry> schema, string name)
    {
        var entry = schema.FirstOrDefault(e => e.Type == "table" && e.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        if (entry?.Sql is null || !entry.Sql.TrimStart().StartsWith("CREATE TABLE", StringComparison.OrdinalIgnoreCase))
        {
            throw SurveyUnreadableException.Because($"The GeoPackage's '{SurveyFeatureSet.Printable(name)}' is not an ordinary table; the file is not a GeoPackage a survey can be read from.");
        }
    }

    private static string Quoted(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task ExecuteAsync(SqliteConnection db, string sql, CancellationToken ct)
    {
        await using var command = new SqliteCommand(sql, db);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection db, string sql, CancellationToken ct)
    {
        await using var command = new SqliteCommand(sql, db);
        return await command.ExecuteScalarAsync(ct);
    }
}
