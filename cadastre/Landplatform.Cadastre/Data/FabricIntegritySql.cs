using Microsoft.EntityFrameworkCore.Migrations;

namespace Landplatform.Cadastre.Data;

/// <summary>
/// What EF Core cannot declare: the rules that keep the fabric's history whole, enforced by the
/// database itself so no code path (or hand-written SQL) can break them, and the indexes of the hot reads.
/// </summary>
internal static class FabricIntegritySql
{
    public static void Apply(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE cadastre.parcel_versions
              ADD CONSTRAINT ex_parcel_versions_one_in_force
              EXCLUDE USING gist (upi WITH =, tstzrange(valid_from, valid_to) WITH &&) WHERE (status <> 'pending');

            ALTER TABLE cadastre.parcel_versions
              ADD CONSTRAINT ck_parcel_versions_status CHECK (status IN ('current', 'historic', 'pending'));

            CREATE INDEX ix_parcel_versions_boundary ON cadastre.parcel_versions USING gist (boundary);
            CREATE INDEX ix_parcel_versions_boundary_current ON cadastre.parcel_versions USING gist (boundary)
              WHERE status = 'current';
            CREATE INDEX ix_parcel_versions_upi_pattern_current ON cadastre.parcel_versions (upi text_pattern_ops)
              WHERE status = 'current';
            CREATE INDEX ix_parcel_versions_address_trgm_current ON cadastre.parcel_versions USING gin (address gin_trgm_ops)
              WHERE status = 'current';

            CREATE FUNCTION cadastre.refuse_erasure() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'cadastre.% keeps the history of the fabric: rows are never deleted or truncated', TG_TABLE_NAME
                USING ERRCODE = 'LPH01';
            END $$;

            CREATE FUNCTION cadastre.refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'cadastre.% is append-only: recorded rows never change', TG_TABLE_NAME
                USING ERRCODE = 'LPH02';
            END $$;

            CREATE FUNCTION cadastre.guard_parcel_version() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.id <> OLD.id OR NEW.upi <> OLD.upi OR NEW.version <> OLD.version
                 OR NEW.valid_from <> OLD.valid_from OR NEW.transaction_id <> OLD.transaction_id THEN
                RAISE EXCEPTION 'parcel % version %: its UPI, version number, start and transaction never change', OLD.upi, OLD.version
                  USING ERRCODE = 'LPH02';
              END IF;
              IF OLD.status = 'historic' THEN
                RAISE EXCEPTION 'parcel % version % is historic: a closed version never changes', OLD.upi, OLD.version
                  USING ERRCODE = 'LPH02';
              END IF;
              RETURN NEW;
            END $$;

            CREATE TRIGGER parcel_versions_no_delete BEFORE DELETE ON cadastre.parcel_versions
              FOR EACH ROW EXECUTE FUNCTION cadastre.refuse_erasure();
            CREATE TRIGGER parcel_versions_no_truncate BEFORE TRUNCATE ON cadastre.parcel_versions
              FOR EACH STATEMENT EXECUTE FUNCTION cadastre.refuse_erasure();
            CREATE TRIGGER parcel_versions_guard BEFORE UPDATE ON cadastre.parcel_versions
              FOR EACH ROW EXECUTE FUNCTION cadastre.guard_parcel_version();

            CREATE TRIGGER parcel_records_no_delete BEFORE DELETE ON cadastre.parcel_records
              FOR EACH ROW EXECUTE FUNCTION cadastre.refuse_erasure();
            CREATE TRIGGER parcel_records_no_truncate BEFORE TRUNCATE ON cadastre.parcel_records
              FOR EACH STATEMENT EXECUTE FUNCTION cadastre.refuse_erasure();
            CREATE TRIGGER parcel_records_no_update BEFORE UPDATE ON cadastre.parcel_records
              FOR EACH ROW EXECUTE FUNCTION cadastre.refuse_rewrite();

            CREATE TRIGGER lineage_edges_no_delete BEFORE DELETE ON cadastre.lineage_edges
              FOR EACH ROW EXECUTE FUNCTION cadastre.refuse_erasure();
            CREATE TRIGGER lineage_edges_no_truncate BEFORE TRUNCATE ON cadastre.lineage_edges
              FOR EACH STATEMENT EXECUTE FUNCTION cadastre.refuse_erasure();
            CREATE TRIGGER lineage_edges_no_update BEFORE UPDATE ON cadastre.lineage_edges
              FOR EACH ROW EXECUTE FUNCTION cadastre.refuse_rewrite();

            CREATE TRIGGER fabric_transactions_no_delete BEFORE DELETE ON cadastre.fabric_transactions
              FOR EACH ROW EXECUTE FUNCTION cadastre.refuse_erasure();
            CREATE TRIGGER fabric_transactions_no_truncate BEFORE TRUNCATE ON cadastre.fabric_transactions
              FOR EACH STATEMENT EXECUTE FUNCTION cadastre.refuse_erasure();
            CREATE TRIGGER fabric_transactions_no_update BEFORE UPDATE ON cadastre.fabric_transactions
              FOR EACH ROW EXECUTE FUNCTION cadastre.refuse_rewrite();
            """);
    }

    public static void Revert(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            DROP FUNCTION IF EXISTS cadastre.refuse_erasure() CASCADE;
            DROP FUNCTION IF EXISTS cadastre.refuse_rewrite() CASCADE;
            DROP FUNCTION IF EXISTS cadastre.guard_parcel_version() CASCADE;
            """);
    }
}
