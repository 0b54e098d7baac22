using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Integrations.Deeds.Migrations
{
    /// <summary>
    /// The register of deeds as the office's Index of Deeds keeps it: each recorded deed, its parties as written, the
    /// parcels it is linked to, its scanned pages with their quality and OCR text, and a hash-chained journal of every
    /// entry. Deeds, parties, links and the journal are append-only; a page's scan never changes (its OCR is added).
    /// </summary>
    [DbContext(typeof(DeedsStore))]
    [Migration("20261203160000_DeedsRegister")]
    public partial class DeedsRegister : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE SCHEMA IF NOT EXISTS deeds;
                CREATE TABLE deeds.deeds (
                    id uuid PRIMARY KEY,
                    registration_number text NOT NULL UNIQUE,
                    registered_on date NOT NULL,
                    instrument_date date NOT NULL,
                    instrument_type text NOT NULL,
                    consideration numeric(16,2),
                    attorney text,
                    land_description text NOT NULL,
                    releases text,
                    recorded_at timestamptz NOT NULL,
                    recorded_by text NOT NULL,
                    CHECK (instrument_date <= registered_on));
                CREATE INDEX ix_deeds_registered_on ON deeds.deeds (registered_on);
                CREATE INDEX ix_deeds_type ON deeds.deeds (instrument_type, registered_on);
                CREATE INDEX ix_deeds_releases ON deeds.deeds (releases) WHERE releases IS NOT NULL;
                CREATE TABLE deeds.parties (
                    deed_id uuid NOT NULL REFERENCES deeds.deeds (id),
                    role text NOT NULL CHECK (role IN ('grantor', 'grantee')),
                    position int NOT NULL,
                    name text NOT NULL,
                    sounds text[] NOT NULL,
                    PRIMARY KEY (deed_id, role, position));
                CREATE INDEX ix_deed_parties_name_trgm ON deeds.parties USING gin (lower(name) gin_trgm_ops);
                CREATE INDEX ix_deed_parties_sounds ON deeds.parties USING gin (sounds);
                CREATE TABLE deeds.parcels (
                    deed_id uuid NOT NULL REFERENCES deeds.deeds (id),
                    upi text NOT NULL,
                    linked_at timestamptz NOT NULL,
                    linked_by text NOT NULL,
                    PRIMARY KEY (deed_id, upi));
                CREATE INDEX ix_deed_parcels_upi ON deeds.parcels (upi);
                CREATE TABLE deeds.pages (
                    deed_id uuid NOT NULL REFERENCES deeds.deeds (id),
                    page_number int NOT NULL CHECK (page_number > 0),
                    sha256 char(64) NOT NULL,
                    media_type text NOT NULL,
                    content bytea NOT NULL,
                    width int NOT NULL,
                    height int NOT NULL,
                    dpi int NOT NULL,
                    quality text[] NOT NULL,
                    stored_at timestamptz NOT NULL,
                    stored_by text NOT NULL,
                    ocr_state text NOT NULL CHECK (ocr_state IN ('queued', 'running', 'done', 'failed')),
                    ocr_attempts int NOT NULL DEFAULT 0,
                    ocr_claimed_at timestamptz,
                    ocr_text text,
                    ocr_confidence real,
                    ocr_done_at timestamptz,
                    text_search tsvector GENERATED ALWAYS AS (to_tsvector('english', coalesce(ocr_text, ''))) STORED,
                    PRIMARY KEY (deed_id, page_number));
                CREATE UNIQUE INDEX ix_deed_pages_sha256 ON deeds.pages (sha256);
                CREATE INDEX ix_deed_pages_text ON deeds.pages USING gin (text_search);
                CREATE INDEX ix_deed_pages_queue ON deeds.pages (stored_at) WHERE ocr_state IN ('queued', 'running');
                CREATE TABLE deeds.journal (
                    seq bigint PRIMARY KEY,
                    at timestamptz NOT NULL,
                    kind text NOT NULL,
                    deed_id uuid NOT NULL REFERENCES deeds.deeds (id) DEFERRABLE INITIALLY DEFERRED,
                    content text NOT NULL,
                    previous_hash char(64) NOT NULL,
                    hash char(64) NOT NULL UNIQUE);

                CREATE FUNCTION deeds.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION '% is append-only: a recorded deed, its parties, its parcel links and its journal are never changed or removed', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME
                        USING ERRCODE = 'insufficient_privilege';
                END $$;
                CREATE FUNCTION deeds.refuse_page_removal() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'deeds.pages keeps every scan: a page is never removed' USING ERRCODE = 'insufficient_privilege';
                END $$;
                CREATE FUNCTION deeds.guard_page_scan() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF (NEW.deed_id, NEW.page_number, NEW.sha256, NEW.media_type, NEW.content, NEW.width, NEW.height, NEW.dpi, NEW.stored_at, NEW.stored_by)
                       IS DISTINCT FROM (OLD.deed_id, OLD.page_number, OLD.sha256, OLD.media_type, OLD.content, OLD.width, OLD.height, OLD.dpi, OLD.stored_at, OLD.stored_by) THEN
                        RAISE EXCEPTION 'a page''s scan never changes: only its OCR is added' USING ERRCODE = 'insufficient_privilege';
                    END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER deeds_append_only BEFORE UPDATE OR DELETE ON deeds.deeds FOR EACH ROW EXECUTE FUNCTION deeds.refuse_change();
                CREATE TRIGGER deeds_no_truncate BEFORE TRUNCATE ON deeds.deeds FOR EACH STATEMENT EXECUTE FUNCTION deeds.refuse_change();
                CREATE TRIGGER parties_append_only BEFORE UPDATE OR DELETE ON deeds.parties FOR EACH ROW EXECUTE FUNCTION deeds.refuse_change();
                CREATE TRIGGER parties_no_truncate BEFORE TRUNCATE ON deeds.parties FOR EACH STATEMENT EXECUTE FUNCTION deeds.refuse_change();
                CREATE TRIGGER parcels_append_only BEFORE UPDATE OR DELETE ON deeds.parcels FOR EACH ROW EXECUTE FUNCTION deeds.refuse_change();
                CREATE TRIGGER parcels_no_truncate BEFORE TRUNCATE ON deeds.parcels FOR EACH STATEMENT EXECUTE FUNCTION deeds.refuse_change();
                CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON deeds.journal FOR EACH ROW EXECUTE FUNCTION deeds.refuse_change();
                CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON deeds.journal FOR EACH STATEMENT EXECUTE FUNCTION deeds.refuse_change();
                CREATE TRIGGER pages_kept BEFORE DELETE ON deeds.pages FOR EACH ROW EXECUTE FUNCTION deeds.refuse_page_removal();
                CREATE TRIGGER pages_no_truncate BEFORE TRUNCATE ON deeds.pages FOR EACH STATEMENT EXECUTE FUNCTION deeds.refuse_page_removal();
                CREATE TRIGGER pages_scan_sealed BEFORE UPDATE ON deeds.pages FOR EACH ROW EXECUTE FUNCTION deeds.guard_page_scan();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP SCHEMA deeds CASCADE;");
        }
    }
}
