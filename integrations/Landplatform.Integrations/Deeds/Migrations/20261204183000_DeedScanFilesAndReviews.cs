using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Integrations.Deeds.Migrations
{
    /// <summary>
    /// Multi-page scan files (TIFF, PDF) kept whole beside the pages made from them; the OCR's searchable PDF kept
    /// beside each page; and the review of a deed's index by a second clerk (a sign-off, or the fields disputed).
    /// Scan files and reviews are append-only; a page's source never changes.
    /// </summary>
    [DbContext(typeof(DeedsStore))]
    [Migration("20261204183000_DeedScanFilesAndReviews")]
    public partial class DeedScanFilesAndReviews : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE deeds.scan_files (
                    sha256 char(64) PRIMARY KEY,
                    deed_id uuid NOT NULL REFERENCES deeds.deeds (id),
                    media_type text NOT NULL CHECK (media_type IN ('image/tiff', 'application/pdf')),
                    content bytea NOT NULL,
                    first_page int NOT NULL CHECK (first_page > 0),
                    page_count int NOT NULL CHECK (page_count > 0),
                    stored_at timestamptz NOT NULL,
                    stored_by text NOT NULL);
                CREATE INDEX ix_deed_scan_files_deed ON deeds.scan_files (deed_id);
                ALTER TABLE deeds.pages
                    ADD COLUMN source_sha256 char(64) REFERENCES deeds.scan_files (sha256),
                    ADD COLUMN source_page int CHECK (source_page > 0),
                    ADD COLUMN ocr_pdf bytea,
                    ADD CHECK ((source_sha256 IS NULL) = (source_page IS NULL));
                -- A scan stored as itself is stored once; a page made from a TIFF or PDF is identified by its file (two blank sheets of one PDF render alike).
                DROP INDEX deeds.ix_deed_pages_sha256;
                CREATE UNIQUE INDEX ix_deed_pages_sha256 ON deeds.pages (sha256) WHERE source_sha256 IS NULL;
                CREATE INDEX ix_deed_pages_sha256_any ON deeds.pages (sha256);

                CREATE TABLE deeds.reviews (
                    deed_id uuid NOT NULL REFERENCES deeds.deeds (id),
                    seq int NOT NULL CHECK (seq > 0),
                    outcome text NOT NULL CHECK (outcome IN ('signed', 'disputed')),
                    disagreements jsonb NOT NULL,
                    reviewed_at timestamptz NOT NULL,
                    reviewed_by text NOT NULL,
                    PRIMARY KEY (deed_id, seq));
                CREATE INDEX ix_deed_reviews_outcome ON deeds.reviews (outcome, reviewed_at);

                CREATE OR REPLACE FUNCTION deeds.guard_page_scan() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF (NEW.deed_id, NEW.page_number, NEW.sha256, NEW.media_type, NEW.content, NEW.width, NEW.height, NEW.dpi, NEW.stored_at, NEW.stored_by, NEW.source_sha256, NEW.source_page)
                       IS DISTINCT FROM (OLD.deed_id, OLD.page_number, OLD.sha256, OLD.media_type, OLD.content, OLD.width, OLD.height, OLD.dpi, OLD.stored_at, OLD.stored_by, OLD.source_sha256, OLD.source_page) THEN
                        RAISE EXCEPTION 'a page''s scan never changes: only its OCR is added' USING ERRCODE = 'insufficient_privilege';
                    END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER scan_files_append_only BEFORE UPDATE OR DELETE ON deeds.scan_files FOR EACH ROW EXECUTE FUNCTION deeds.refuse_change();
                CREATE TRIGGER scan_files_no_truncate BEFORE TRUNCATE ON deeds.scan_files FOR EACH STATEMENT EXECUTE FUNCTION deeds.refuse_change();
                CREATE TRIGGER reviews_append_only BEFORE UPDATE OR DELETE ON deeds.reviews FOR EACH ROW EXECUTE FUNCTION deeds.refuse_change();
                CREATE TRIGGER reviews_no_truncate BEFORE TRUNCATE ON deeds.reviews FOR EACH STATEMENT EXECUTE FUNCTION deeds.refuse_change();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TABLE deeds.reviews;
                DROP INDEX deeds.ix_deed_pages_sha256_any;
                ALTER TABLE deeds.pages DROP COLUMN ocr_pdf, DROP COLUMN source_page, DROP COLUMN source_sha256;
                DROP TABLE deeds.scan_files;
                """);
        }
    }
}
