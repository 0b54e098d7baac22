using Microsoft.EntityFrameworkCore.Migrations;

namespace Landplatform.Cadastre.Data;

/// <summary>
/// Whatever writes to the fabric, the outbox hears of it: a statement-level trigger on every table with
/// geometry records one <c>cadastre.fabric.edited</c> event per INSERT, UPDATE or DELETE statement (plain
/// SQL, COPY, the API alike), with the extents of the old and of the new rows, in the same transaction,
/// and notifies <c>lp_outbox</c>. Tiles use the extents to find the tiles a change made stale.
/// </summary>
public static class FabricEditEventsSql
{
    /// <summary>The outbox event type the trigger writes.</summary>
    public const string EditedEvent = Landplatform.Cadastre.Contracts.Events.PlatformEventTypes.FabricEdited;

    /// <summary>The fabric tables and their geometry column.</summary>
    public static readonly (string Table, string Geometry)[] Tables =
    [
        ("parcel_versions", "boundary"),
        ("buildings", "footprint"),
        ("road_reserves", "boundary"),
        ("hazard_zones", "boundary"),
        ("districts", "boundary"),
        ("blocks", "boundary"),
    ];

    public static void Apply(MigrationBuilder migration)
    {
        migration.Sql($$"""
            CREATE FUNCTION cadastre.record_fabric_edit() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
              geometry_column text := TG_ARGV[0];
              old_extent geometry;
              new_extent geometry;
              old_count bigint := 0;
              new_count bigint := 0;
              extents jsonb := '[]'::jsonb;
            BEGIN
              IF TG_OP IN ('UPDATE', 'DELETE') THEN
                EXECUTE format('SELECT ST_Extent(%I)::geometry, count(*) FROM old_rows', geometry_column) INTO old_extent, old_count;
              END IF;
              IF TG_OP IN ('UPDATE', 'INSERT') THEN
                EXECUTE format('SELECT ST_Extent(%I)::geometry, count(*) FROM new_rows', geometry_column) INTO new_extent, new_count;
              END IF;
              IF old_count = 0 AND new_count = 0 THEN
                RETURN NULL;
              END IF;
              IF old_extent IS NOT NULL THEN
                extents := extents || jsonb_build_object('srid', 2007, 'minX', ST_XMin(old_extent), 'minY', ST_YMin(old_extent),
                                                         'maxX', ST_XMax(old_extent), 'maxY', ST_YMax(old_extent));
              END IF;
              IF new_extent IS NOT NULL AND (old_extent IS NULL OR NOT ST_Equals(ST_Envelope(old_extent), ST_Envelope(new_extent))) THEN
                extents := extents || jsonb_build_object('srid', 2007, 'minX', ST_XMin(new_extent), 'minY', ST_YMin(new_extent),
                                                         'maxX', ST_XMax(new_extent), 'maxY', ST_YMax(new_extent));
              END IF;
              INSERT INTO exchange.outbox (event_id, type, occurred_at, correlation_id, payload)
              VALUES (gen_random_uuid(), '{{EditedEvent}}', now(), gen_random_uuid(),
                      jsonb_build_object('table', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, 'operation', lower(TG_OP),
                                         'rows', greatest(old_count, new_count), 'extents', extents));
              PERFORM pg_notify('lp_outbox', '{{EditedEvent}}');
              RETURN NULL;
            END $$;
            """);
        foreach (var (table, geometry) in Tables)
        {
            migration.Sql($"""
                CREATE TRIGGER {table}_edited_insert AFTER INSERT ON cadastre.{table}
                  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cadastre.record_fabric_edit('{geometry}');
                CREATE TRIGGER {table}_edited_update AFTER UPDATE ON cadastre.{table}
                  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cadastre.record_fabric_edit('{geometry}');
                CREATE TRIGGER {table}_edited_delete AFTER DELETE ON cadastre.{table}
                  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cadastre.record_fabric_edit('{geometry}');
                """);
        }
    }

    public static void Revert(MigrationBuilder migration) =>
        migration.Sql("DROP FUNCTION IF EXISTS cadastre.record_fabric_edit() CASCADE;");
}
