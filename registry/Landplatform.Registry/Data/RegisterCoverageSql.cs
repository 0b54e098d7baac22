using Microsoft.EntityFrameworkCore.Migrations;

namespace Landplatform.Registry.Data;

/// <summary>
/// Issue #20 item 5: every register row names the journaled transaction that made it (deferred foreign keys to the
/// journal, checked at commit, so a registration writes its rows first and its entry last), title-parcel links and
/// registered transactions never change, a title only closes, once; and the digest (v2) a journal entry records covers
/// the whole transaction: its row, steps, documents, payments, the titles it opened or closed, the parcels it linked and
/// the rights it created (with their holders) or ended.
/// </summary>
internal static class RegisterCoverageSql
{
    public static void Apply(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE registry.title_parcels ADD COLUMN created_by_transaction_id uuid;
            UPDATE registry.title_parcels tp SET created_by_transaction_id = t.opened_by_transaction_id
              FROM registry.titles t WHERE t.title_number = tp.title_number;
            ALTER TABLE registry.title_parcels ALTER COLUMN created_by_transaction_id SET NOT NULL;
            CREATE INDEX "IX_title_parcels_created_by_transaction_id" ON registry.title_parcels (created_by_transaction_id);
            """);
    }

    public static void ApplyGuards(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE registry.rights ADD CONSTRAINT fk_rights_created_by_journal FOREIGN KEY (created_by_transaction_id)
              REFERENCES registry.journal (transaction_id) DEFERRABLE INITIALLY DEFERRED;
            ALTER TABLE registry.rights ADD CONSTRAINT fk_rights_ended_by_journal FOREIGN KEY (ended_by_transaction_id)
              REFERENCES registry.journal (transaction_id) DEFERRABLE INITIALLY DEFERRED;
            ALTER TABLE registry.titles ADD CONSTRAINT fk_titles_opened_by_journal FOREIGN KEY (opened_by_transaction_id)
              REFERENCES registry.journal (transaction_id) DEFERRABLE INITIALLY DEFERRED;
            ALTER TABLE registry.titles ADD CONSTRAINT fk_titles_closed_by_journal FOREIGN KEY (closed_by_transaction_id)
              REFERENCES registry.journal (transaction_id) DEFERRABLE INITIALLY DEFERRED;
            ALTER TABLE registry.title_parcels ADD CONSTRAINT fk_title_parcels_created_by_journal FOREIGN KEY (created_by_transaction_id)
              REFERENCES registry.journal (transaction_id) DEFERRABLE INITIALLY DEFERRED;

            CREATE TRIGGER title_parcels_append_only BEFORE UPDATE OR DELETE ON registry.title_parcels
              FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
            CREATE TRIGGER title_parcels_no_truncate BEFORE TRUNCATE ON registry.title_parcels
              FOR EACH STATEMENT EXECUTE FUNCTION registry.refuse_change();

            CREATE FUNCTION registry.guard_title() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF OLD.closed_at IS NOT NULL OR NEW.closed_at IS NULL OR NEW.closed_by_transaction_id IS NULL
                 OR (NEW.title_number, NEW.opened_at, NEW.opened_by_transaction_id)
                    IS DISTINCT FROM (OLD.title_number, OLD.opened_at, OLD.opened_by_transaction_id) THEN
                RAISE EXCEPTION 'title %: a title is only ever closed, once; nothing else about it changes', OLD.title_number
                  USING ERRCODE = 'LPH02';
              END IF;
              RETURN NEW;
            END $$;
            CREATE TRIGGER titles_guard BEFORE UPDATE ON registry.titles
              FOR EACH ROW EXECUTE FUNCTION registry.guard_title();

            CREATE FUNCTION registry.guard_transaction() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF OLD.state = 'registered' THEN
                RAISE EXCEPTION 'transaction %: a registered transaction is never changed (% refused)', OLD.id, TG_OP
                  USING ERRCODE = 'LPH02';
              END IF;
              IF TG_OP = 'DELETE' THEN
                RETURN OLD;
              END IF;
              RETURN NEW;
            END $$;
            CREATE TRIGGER transactions_registered_immutable BEFORE UPDATE OR DELETE ON registry.transactions
              FOR EACH ROW EXECUTE FUNCTION registry.guard_transaction();

            -- The digest v2 of a transaction: one canonical line (a JSON array, times as epoch seconds) per fact, hashed per
            -- title first and then over the titles, so the initial load's million titles never build one text near 1 GB.
            -- Planned for each transaction id (EXECUTE), as v1: the initial load holds a million rows under one id.
            CREATE FUNCTION registry.transaction_digest_v2(tx uuid) RETURNS text LANGUAGE plpgsql STABLE AS $fn$
            DECLARE digest text;
            BEGIN
              EXECUTE $q$
                WITH lines (title_number, line) AS (
                  SELECT '', json_build_array('transaction', t.id, t.kind, t.state, t.title_number, t.instrument::text,
                             extract(epoch FROM t.instrument_date), extract(epoch FROM t.lodged_at), t.lodged_by, t.fee, t.duty, t.duty_basis,
                             t.invoice_id, t.invoice_number, t.invoice_total, extract(epoch FROM t.invoice_paid_at), t.receipt_number,
                             extract(epoch FROM t.registered_at), t.note)::text
                  FROM registry.transactions t WHERE t.id = $1
                  UNION ALL
                  SELECT '', json_build_array('step', s.id, s.state, extract(epoch FROM s.at), s."by", s.note)::text
                  FROM registry.transaction_steps s WHERE s.transaction_id = $1
                  UNION ALL
                  SELECT '', json_build_array('document', d.id, d.kind, d.file_name, d.length, d.sha256, extract(epoch FROM d.attached_at), d.attached_by)::text
                  FROM registry.transaction_documents d WHERE d.transaction_id = $1
                  UNION ALL
                  SELECT '', json_build_array('payment', p.id, p.amount, p.reference, extract(epoch FROM p.recorded_at), p.recorded_by)::text
                  FROM registry.fee_payments p WHERE p.transaction_id = $1
                  UNION ALL
                  SELECT t.title_number, json_build_array('opened', t.title_number, extract(epoch FROM t.opened_at))::text
                  FROM registry.titles t WHERE t.opened_by_transaction_id = $1
                  UNION ALL
                  SELECT t.title_number, json_build_array('closed', t.title_number, extract(epoch FROM t.closed_at))::text
                  FROM registry.titles t WHERE t.closed_by_transaction_id = $1
                  UNION ALL
                  SELECT tp.title_number, json_build_array('parcel', tp.title_number, tp.upi)::text
                  FROM registry.title_parcels tp WHERE tp.created_by_transaction_id = $1
                  UNION ALL
                  SELECT r.title_number, json_build_array('created', r.id, r.title_number, r.kind, r.party_id, p.kind, p.uin, p.registration_number,
                             p.name, extract(epoch FROM p.date_of_birth), r.share_numerator, r.share_denominator, r.amount, r.terms,
                             extract(epoch FROM r.valid_from))::text
                  FROM registry.rights r JOIN registry.parties p ON p.id = r.party_id WHERE r.created_by_transaction_id = $1
                  UNION ALL
                  SELECT r.title_number, json_build_array('ended', r.id, r.title_number, extract(epoch FROM r.valid_to))::text
                  FROM registry.rights r WHERE r.ended_by_transaction_id = $1),
                per_title AS (
                  SELECT title_number, encode(sha256(convert_to(string_agg(line, E'\n' ORDER BY line COLLATE "C"), 'UTF8')), 'hex') AS hash
                  FROM lines GROUP BY title_number)
                SELECT encode(sha256(convert_to(coalesce(string_agg(json_build_array(title_number, hash)::text, E'\n'
                                                                    ORDER BY title_number COLLATE "C"), ''), 'UTF8')), 'hex')
                FROM per_title
              $q$ INTO digest USING tx;
              RETURN digest;
            END $fn$;
            """);
    }

    public static void Revert(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            DROP FUNCTION IF EXISTS registry.transaction_digest_v2(uuid);
            DROP TRIGGER IF EXISTS transactions_registered_immutable ON registry.transactions;
            DROP FUNCTION IF EXISTS registry.guard_transaction();
            DROP TRIGGER IF EXISTS titles_guard ON registry.titles;
            DROP FUNCTION IF EXISTS registry.guard_title();
            DROP TRIGGER IF EXISTS title_parcels_append_only ON registry.title_parcels;
            DROP TRIGGER IF EXISTS title_parcels_no_truncate ON registry.title_parcels;
            ALTER TABLE registry.rights DROP CONSTRAINT IF EXISTS fk_rights_created_by_journal;
            ALTER TABLE registry.rights DROP CONSTRAINT IF EXISTS fk_rights_ended_by_journal;
            ALTER TABLE registry.titles DROP CONSTRAINT IF EXISTS fk_titles_opened_by_journal;
            ALTER TABLE registry.titles DROP CONSTRAINT IF EXISTS fk_titles_closed_by_journal;
            ALTER TABLE registry.title_parcels DROP CONSTRAINT IF EXISTS fk_title_parcels_created_by_journal;
            """);
    }

    public static void RevertColumn(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            DROP INDEX IF EXISTS registry."IX_title_parcels_created_by_transaction_id";
            ALTER TABLE registry.title_parcels DROP COLUMN IF EXISTS created_by_transaction_id;
            """);
    }
}
