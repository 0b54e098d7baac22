using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Registry.Data.Migrations
{
    /// <summary>
    /// First registration (conversion from the register of deeds): <c>registry.conversions</c>, one row per conversion,
    /// keyed by the first-registration transaction that opened its provisional title; <c>registry.conversion_steps</c>,
    /// one row per objection, decision and making absolute, keyed by the transaction that journals it. Both append-only,
    /// both under the journal's digest v2 (their lines are added to <c>registry.transaction_digest_v2</c>; entries of
    /// transactions without such rows digest exactly as before). The view <c>registry.first_registrations</c> is the
    /// published contract the register of deeds reads to refuse new deeds on a parcel now on the title register.
    /// </summary>
    [DbContext(typeof(RegistryDbContext))]
    [Migration("20261203190000_FirstRegistrations")]
    public partial class FirstRegistrations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE registry.conversions (
                    id uuid PRIMARY KEY REFERENCES registry.transactions (id),
                    upi text NOT NULL,
                    title_number text NOT NULL REFERENCES registry.titles (title_number),
                    opened_at timestamptz NOT NULL,
                    opened_by text NOT NULL,
                    challenge_ends_at timestamptz NOT NULL CHECK (challenge_ends_at > opened_at));
                CREATE INDEX conversions_upi ON registry.conversions (upi);
                CREATE UNIQUE INDEX conversions_title ON registry.conversions (title_number);

                CREATE TABLE registry.conversion_steps (
                    transaction_id uuid PRIMARY KEY REFERENCES registry.transactions (id),
                    conversion_id uuid NOT NULL REFERENCES registry.conversions (id),
                    step text NOT NULL CHECK (step IN ('objection', 'dismissed', 'upheld', 'absolute')),
                    objection_id uuid REFERENCES registry.conversion_steps (transaction_id),
                    at timestamptz NOT NULL,
                    "by" text NOT NULL,
                    grounds text,
                    evidence text,
                    CHECK ((step IN ('dismissed', 'upheld')) = (objection_id IS NOT NULL)));
                CREATE INDEX conversion_steps_conversion ON registry.conversion_steps (conversion_id);
                CREATE UNIQUE INDEX conversion_steps_one_decision ON registry.conversion_steps (objection_id) WHERE objection_id IS NOT NULL;
                CREATE UNIQUE INDEX conversion_steps_one_absolute ON registry.conversion_steps (conversion_id) WHERE step = 'absolute';

                CREATE TRIGGER conversions_append_only BEFORE UPDATE OR DELETE ON registry.conversions
                  FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
                CREATE TRIGGER conversions_no_truncate BEFORE TRUNCATE ON registry.conversions
                  FOR EACH STATEMENT EXECUTE FUNCTION registry.refuse_change();
                CREATE TRIGGER conversion_steps_append_only BEFORE UPDATE OR DELETE ON registry.conversion_steps
                  FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
                CREATE TRIGGER conversion_steps_no_truncate BEFORE TRUNCATE ON registry.conversion_steps
                  FOR EACH STATEMENT EXECUTE FUNCTION registry.refuse_change();

                CREATE VIEW registry.first_registrations AS
                SELECT c.upi, c.title_number, c.id AS conversion_id,
                       CASE WHEN a.at IS NOT NULL THEN 'absolute' WHEN t.closed_at IS NOT NULL THEN 'cancelled' ELSE 'provisional' END AS state,
                       c.opened_at, c.challenge_ends_at, a.at AS absolute_at
                FROM registry.conversions c
                JOIN registry.titles t ON t.title_number = c.title_number
                LEFT JOIN registry.conversion_steps a ON a.conversion_id = c.id AND a.step = 'absolute';
                COMMENT ON VIEW registry.first_registrations IS 'Published read contract of the registry: parcels brought onto the title register by first registration, and where each stands (provisional, absolute, cancelled).';
                """);
            migrationBuilder.Sql(DigestV2(withConversions: true));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(DigestV2(withConversions: false));
            migrationBuilder.Sql("""
                DROP VIEW registry.first_registrations;
                DROP TABLE registry.conversion_steps;
                DROP TABLE registry.conversions;
                """);
        }

        // The conversion's rows, each a line of its title's hash (ARCHITECTURE.md, First registration).
        private const string ConversionLines = """

                  UNION ALL
                  SELECT c.title_number, json_build_array('conversion', c.id, c.upi, c.title_number, extract(epoch FROM c.opened_at), c.opened_by,
                             extract(epoch FROM c.challenge_ends_at))::text
                  FROM registry.conversions c WHERE c.id = $1
                  UNION ALL
                  SELECT c.title_number, json_build_array('conversion-step', s.transaction_id, s.conversion_id, s.step, s.objection_id,
                             extract(epoch FROM s.at), s."by", s.grounds, s.evidence)::text
                  FROM registry.conversion_steps s JOIN registry.conversions c ON c.id = s.conversion_id WHERE s.transaction_id = $1
            """;

        // The digest v2 as RegisterCoverageSql made it, and with the conversion's own rows as lines of their title.
        private static string DigestV2(bool withConversions) => $$"""
            CREATE OR REPLACE FUNCTION registry.transaction_digest_v2(tx uuid) RETURNS text LANGUAGE plpgsql STABLE AS $fn$
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
                  FROM registry.rights r WHERE r.ended_by_transaction_id = $1{{(withConversions ? ConversionLines : string.Empty)}}),
                per_title AS (
                  SELECT title_number, encode(sha256(convert_to(string_agg(line, E'\n' ORDER BY line COLLATE "C"), 'UTF8')), 'hex') AS hash
                  FROM lines GROUP BY title_number)
                SELECT encode(sha256(convert_to(coalesce(string_agg(json_build_array(title_number, hash)::text, E'\n'
                                                                    ORDER BY title_number COLLATE "C"), ''), 'UTF8')), 'hex')
                FROM per_title
              $q$ INTO digest USING tx;
              RETURN digest;
            END $fn$;
            """;
    }
}
