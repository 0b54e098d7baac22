using System.Globalization;
using Landplatform.Cadastre.Contracts;
using Landplatform.GisServer.Ogc.Features;
using Landplatform.Integrations.Identity;
using Microsoft.Data.Sqlite;
using NetTopologySuite.IO;
using Npgsql;

namespace Landplatform.GisServer.Ogc.Ladm;

/// <summary>
/// The fabric and the register in the land administration domain model (ISO 19152, LADM) as one OGC GeoPackage 1.3
/// file, for LADM tools and the region's land data exchange: <c>la_spatialunit</c> (every parcel version, its
/// lifespan, in EPSG:2007), <c>la_baunit</c> (titles as basic administrative units), <c>la_baunit_spatialunit</c>,
/// <c>la_party</c>, <c>la_rrr</c> (rights, restrictions and mortgages, with share and lifespan, each naming its
/// unit, party and source) and <c>la_administrativesource</c> (the registered transactions). Class and attribute
/// names follow the ISO model (lower case, as GeoPackage tools expect); code lists use LADM's values where it has
/// them. Identifiers of persons go only to registry readers, as everywhere.
/// </summary>
public static class LadmExport
{
    public const string Path = "/api/exports/ladm.gpkg";

    public static void MapLadmExport(this IEndpointRouteBuilder app) =>
        app.MapGet(Path, ExportAsync).WithTags("Exports").RequireAuthorization(AccessPolicies.RegistryReaders)
            .WithSummary("The fabric and the register as an LADM (ISO 19152) GeoPackage: la_spatialunit, la_baunit, la_baunit_spatialunit, la_party, la_rrr, la_administrativesource.")
            .Produces(StatusCodes.Status200OK, contentType: GeoPackageDownload.MediaType);

    /// <summary>The tables of the file and the SQL (PostGIS side) each is filled from, in order.</summary>
    private static readonly (string Table, string Description, string Columns, string Select)[] Tables =
    [
        ("la_administrativesource", "LA_AdministrativeSource: the registered transactions rights rest on",
            "s_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, acceptance DATETIME, recordation DATETIME, lifespanstamp DATETIME, text TEXT",
            """
            SELECT s.source_id::text, s.kind, s.registered_at, s.lodged_at, s.registered_at, s.note
            FROM registry.ladm_administrative_sources s ORDER BY s.registered_at, s.source_id
            """),
        ("la_party", "LA_Party: persons and organisations the register names",
            "p_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, type TEXT NOT NULL, ext_pid TEXT, role TEXT",
            """
            SELECT p.party_id::text, p.name, CASE p.kind WHEN 'person' THEN 'naturalPerson' ELSE 'nonNaturalPerson' END,
                   p.external_id, CASE WHEN p.money_provider THEN 'moneyProvider' ELSE 'citizen' END
            FROM registry.ladm_parties p ORDER BY p.party_id
            """),
        ("la_baunit", "LA_BAUnit: each title as a basic administrative unit",
            "u_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, type TEXT NOT NULL, begin_lifespan_version DATETIME NOT NULL, end_lifespan_version DATETIME, source_id TEXT",
            """
            SELECT u.title_number, u.title_number, 'basicPropertyUnit', u.opened_at, u.closed_at, u.source_id::text
            FROM registry.ladm_units u ORDER BY u.title_number
            """),
        ("la_baunit_spatialunit", "The association of units and the parcels they hold",
            "baunit_id TEXT NOT NULL, su_id TEXT NOT NULL, source_id TEXT",
            """
            SELECT l.title_number, l.upi, l.source_id::text FROM registry.ladm_unit_parcels l ORDER BY l.title_number, l.upi
            """),
        ("la_rrr", "LA_RRR: rights (LA_Right), restrictions (LA_Restriction) and mortgages (LA_Mortgage) on each unit",
            "rrr_id INTEGER NOT NULL UNIQUE, class TEXT NOT NULL, type TEXT NOT NULL, baunit_id TEXT NOT NULL, party_id TEXT NOT NULL, "
            + "share_numerator INTEGER NOT NULL, share_denominator INTEGER NOT NULL, amount REAL, description TEXT, "
            + "begin_lifespan_version DATETIME NOT NULL, end_lifespan_version DATETIME, source_id TEXT NOT NULL, end_source_id TEXT",
            """
            SELECT r.rrr_id, CASE WHEN r.kind IN ('ownership', 'lease', 'easement', 'occupation') THEN 'LA_Right'
                              WHEN r.kind = 'mortgage' THEN 'LA_Mortgage' ELSE 'LA_Restriction' END,
                   r.kind, r.title_number, r.party_id::text, r.share_numerator, r.share_denominator, r.amount::float8, r.terms,
                   r.valid_from, r.valid_to, r.source_id::text, r.end_source_id::text
            FROM registry.ladm_rrr r ORDER BY r.rrr_id
            """),
    ];

    private const string SpatialUnits = """
        SELECT p.upi || '/' || p.version, p.upi, p.version, p.status::text, p.official_area::float8, p.land_use::text, p.address,
               p.valid_from, p.valid_to, ST_AsBinary(p.boundary)
        FROM cadastre.parcel_versions p ORDER BY p.upi, p.version
        """;

    private static async Task ExportAsync(HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var file = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"lp-ladm-{Guid.NewGuid():N}.gpkg");
        try
        {
            await using (var gpkg = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString()))
            {
                await gpkg.OpenAsync(ct);
                await using var connection = await db.OpenConnectionAsync(ct);
                // One snapshot for every table, so units, parties and rights agree with each other.
                await using var snapshot = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
                await CreateAsync(gpkg, await GeoPackageDownload.SrsDefinitionAsync(db, 2007, ct), ct);
                await CopySpatialUnitsAsync(connection, gpkg, ct);
                foreach (var (table, _, columns, select) in Tables)
                {
                    await CopyAsync(connection, gpkg, table, columns.Split(", ").Select(c => c.Split(' ')[0]).ToList(), select, ct);
                }
            }

            http.Response.ContentType = GeoPackageDownload.MediaType;
            http.Response.Headers.ContentDisposition = "attachment; filename=\"landplatform-ladm.gpkg\"";
            http.Response.ContentLength = new FileInfo(file).Length;
            await using var content = File.OpenRead(file);
            await content.CopyToAsync(http.Response.Body, ct);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task CreateAsync(SqliteConnection gpkg, string definition, CancellationToken ct)
    {
        var tables = string.Concat(Tables.Select(t => $"CREATE TABLE {t.Table} (fid INTEGER PRIMARY KEY AUTOINCREMENT, {t.Columns});\n"));
        await ExecuteAsync(gpkg, $"""
            PRAGMA application_id = {GeoPackageDownload.ApplicationId};
            PRAGMA user_version = {GeoPackageDownload.UserVersion};
            CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
                organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
            CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
                description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER REFERENCES gpkg_spatial_ref_sys(srs_id));
            CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
                srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, PRIMARY KEY (table_name, column_name));
            CREATE TABLE la_spatialunit (fid INTEGER PRIMARY KEY AUTOINCREMENT, oid TEXT NOT NULL UNIQUE, su_id TEXT NOT NULL, version INTEGER NOT NULL,
                status TEXT NOT NULL, area REAL, land_use TEXT, address TEXT, begin_lifespan_version DATETIME NOT NULL, end_lifespan_version DATETIME,
                geom MULTIPOLYGON);
            {tables}
            """, ct);
        await using var rows = gpkg.CreateCommand();
        rows.CommandText = """
            INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL);
            INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL);
            INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]', NULL);
            INSERT INTO gpkg_spatial_ref_sys VALUES ('EPSG:2007', 2007, 'EPSG', 2007, $definition, 'St. Vincent 45 / British West Indies Grid: the national grid');
            INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
                VALUES ('la_spatialunit', 'features', 'la_spatialunit', 'LA_SpatialUnit: every version of every parcel, with its lifespan', 2007);
            INSERT INTO gpkg_geometry_columns VALUES ('la_spatialunit', 'geom', 'MULTIPOLYGON', 2007, 0, 0);
            """;
        rows.Parameters.AddWithValue("$definition", definition);
        await rows.ExecuteNonQueryAsync(ct);
        foreach (var (table, description, _, _) in Tables)
        {
            await using var contents = gpkg.CreateCommand();
            contents.CommandText = "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES ($t, 'attributes', $t, $d)";
            contents.Parameters.AddWithValue("$t", table);
            contents.Parameters.AddWithValue("$d", description);
            await contents.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task CopySpatialUnitsAsync(NpgsqlConnection connection, SqliteConnection gpkg, CancellationToken ct)
    {
        await using var read = new NpgsqlCommand(SpatialUnits, connection);
        await using var rows = await read.ExecuteReaderAsync(ct);
        await using var transaction = (SqliteTransaction)await gpkg.BeginTransactionAsync(ct);
        await using var insert = gpkg.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO la_spatialunit (oid, su_id, version, status, area, land_use, address, begin_lifespan_version, end_lifespan_version, geom) "
            + "VALUES ($0, $1, $2, $3, $4, $5, $6, $7, $8, $9)";
        var parameters = Enumerable.Range(0, 10).Select(i => insert.Parameters.Add("$" + i.ToString(CultureInfo.InvariantCulture), SqliteType.Text)).ToArray();
        var reader = new WKBReader();
        var writer = new GeoPackageGeoWriter();
        double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
        while (await rows.ReadAsync(ct))
        {
            for (var i = 0; i < 9; i++)
            {
                Bind(parameters[i], rows.IsDBNull(i) ? DBNull.Value : Value(rows.GetValue(i)));
            }

            var shape = reader.Read(rows.GetFieldValue<byte[]>(9));
            shape.SRID = 2007;
            var box = shape.EnvelopeInternal;
            (minX, minY, maxX, maxY) = (Math.Min(minX, box.MinX), Math.Min(minY, box.MinY), Math.Max(maxX, box.MaxX), Math.Max(maxY, box.MaxY));
            parameters[9].SqliteType = SqliteType.Blob;
            parameters[9].Value = writer.Write(shape);
            await insert.ExecuteNonQueryAsync(ct);
        }

        await using var extent = gpkg.CreateCommand();
        extent.Transaction = transaction;
        extent.CommandText = "UPDATE gpkg_contents SET min_x = $a, min_y = $b, max_x = $c, max_y = $d WHERE table_name = 'la_spatialunit'";
        extent.Parameters.AddWithValue("$a", minX);
        extent.Parameters.AddWithValue("$b", minY);
        extent.Parameters.AddWithValue("$c", maxX);
        extent.Parameters.AddWithValue("$d", maxY);
        await extent.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }

    private static async Task CopyAsync(NpgsqlConnection connection, SqliteConnection gpkg, string table, IReadOnlyList<string> columns, string select, CancellationToken ct)
    {
        await using var read = new NpgsqlCommand(select, connection);
        await using var rows = await read.ExecuteReaderAsync(ct);
        await using var transaction = (SqliteTransaction)await gpkg.BeginTransactionAsync(ct);
        await using var insert = gpkg.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => "$" + i.ToString(CultureInfo.InvariantCulture)))})";
        var parameters = columns.Select((_, i) => insert.Parameters.Add("$" + i.ToString(CultureInfo.InvariantCulture), SqliteType.Text)).ToArray();
        while (await rows.ReadAsync(ct))
        {
            for (var i = 0; i < columns.Count; i++)
            {
                Bind(parameters[i], rows.IsDBNull(i) ? DBNull.Value : Value(rows.GetValue(i)));
            }

            await insert.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
    }

    private static void Bind(SqliteParameter parameter, object value)
    {
        parameter.SqliteType = value switch { long or int or short => SqliteType.Integer, double or float => SqliteType.Real, _ => SqliteType.Text };
        parameter.Value = value;
    }

    private static object Value(object value) => value switch
    {
        DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        decimal d => (double)d,
        _ => value,
    };

    private static async Task ExecuteAsync(SqliteConnection gpkg, string sql, CancellationToken ct)
    {
        await using var command = gpkg.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }
}
