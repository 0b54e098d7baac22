using Microsoft.EntityFrameworkCore.Migrations;

namespace Landplatform.Registry.Data;

/// <summary>
/// What EF Core cannot declare: the database itself keeps the journal append-only and the rights'
/// history whole, so no code path and no hand-written SQL can rewrite the register.
/// </summary>
internal static class RegisterIntegritySql
{
    public static void Apply(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE FUNCTION registry.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'registry.% is append-only: % is refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'LPH02';
            END $$;

            CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON registry.journal
              FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
            CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON registry.journal
              FOR EACH STATEMENT EXECUTE FUNCTION registry.refuse_change();

            CREATE FUNCTION registry.guard_right() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF OLD.valid_to IS NOT NULL OR NEW.valid_to IS NULL
                 OR (NEW.id, NEW.title_number, NEW.kind, NEW.party_id, NEW.share_numerator, NEW.share_denominator,
                     NEW.amount, NEW.terms, NEW.valid_from, NEW.created_by_transaction_id)
                    IS DISTINCT FROM
                    (OLD.id, OLD.title_number, OLD.kind, OLD.party_id, OLD.share_numerator, OLD.share_denominator,
                     OLD.amount, OLD.terms, OLD.valid_from, OLD.created_by_transaction_id) THEN
                RAISE EXCEPTION 'right %: a registered right is only ever ended, once; nothing else about it changes', OLD.id
                  USING ERRCODE = 'LPH02';
              END IF;
              RETURN NEW;
            END $$;

            CREATE TRIGGER rights_guard BEFORE UPDATE ON registry.rights
              FOR EACH ROW EXECUTE FUNCTION registry.guard_right();
            CREATE TRIGGER rights_no_delete BEFORE DELETE ON registry.rights
              FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
            CREATE TRIGGER rights_no_truncate BEFORE TRUNCATE ON registry.rights
              FOR EACH STATEMENT EXECUTE FUNCTION registry.refuse_change();
            CREATE TRIGGER transaction_steps_append_only BEFORE UPDATE OR DELETE ON registry.transaction_steps
              FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
            CREATE TRIGGER transaction_documents_append_only BEFORE UPDATE OR DELETE ON registry.transaction_documents
              FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
            CREATE TRIGGER fee_payments_append_only BEFORE UPDATE OR DELETE ON registry.fee_payments
              FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
            CREATE TRIGGER titles_no_delete BEFORE DELETE ON registry.titles
              FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
            CREATE TRIGGER parties_no_delete BEFORE DELETE ON registry.parties
              FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();

            CREATE INDEX ix_title_parcels_upi_pattern ON registry.title_parcels (upi text_pattern_ops);

            -- What a journal entry vouches for: every right its transaction created (with the holder's
            -- identifier and name) and every right it ended. Time zone and locale never enter the text.
            CREATE FUNCTION registry.transaction_digest(tx uuid) RETURNS text LANGUAGE sql STABLE AS $$
              SELECT encode(sha256(convert_to(coalesce(string_agg(line, E'\n' ORDER BY tag, id), ''), 'UTF8')), 'hex')
              FROM (
                SELECT 1 AS tag, r.id, concat_ws('|', 'created', r.id, r.title_number, r.kind, coalesce(p.uin, p.registration_number), p.name,
                                                 r.share_numerator, r.share_denominator, r.amount, r.terms, extract(epoch FROM r.valid_from)) AS line
                FROM registry.rights r JOIN registry.parties p ON p.id = r.party_id
                WHERE r.created_by_transaction_id = tx
                UNION ALL
                SELECT 2, r.id, concat_ws('|', 'ended', r.id, extract(epoch FROM r.valid_to))
                FROM registry.rights r WHERE r.ended_by_transaction_id = tx
              ) lines
            $$;
            """);
    }

    public static void Revert(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            DROP TRIGGER IF EXISTS journal_append_only ON registry.journal;
            DROP TRIGGER IF EXISTS journal_no_truncate ON registry.journal;
            DROP TRIGGER IF EXISTS rights_guard ON registry.rights;
            DROP TRIGGER IF EXISTS rights_no_delete ON registry.rights;
            DROP TRIGGER IF EXISTS rights_no_truncate ON registry.rights;
            DROP TRIGGER IF EXISTS transaction_steps_append_only ON registry.transaction_steps;
            DROP TRIGGER IF EXISTS transaction_documents_append_only ON registry.transaction_documents;
            DROP TRIGGER IF EXISTS fee_payments_append_only ON registry.fee_payments;
            DROP TRIGGER IF EXISTS titles_no_delete ON registry.titles;
            DROP TRIGGER IF EXISTS parties_no_delete ON registry.parties;
            DROP INDEX IF EXISTS registry.ix_title_parcels_upi_pattern;
            DROP FUNCTION IF EXISTS registry.transaction_digest(uuid);
            DROP FUNCTION IF EXISTS registry.guard_right();
            DROP FUNCTION IF EXISTS registry.refuse_change();
            """);
    }
}
