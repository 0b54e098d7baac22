using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Registry.Data.Migrations
{
    /// <inheritdoc />
    public partial class DigestPlannedPerTransaction : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The digest query is planned for each transaction id: as a plain SQL function its plan was
            // generic, and with the initial load's million rights under one id that plan scanned them all.
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION registry.transaction_digest(tx uuid) RETURNS text LANGUAGE plpgsql STABLE AS $fn$
                DECLARE digest text;
                BEGIN
                  EXECUTE $q$
                    SELECT encode(sha256(convert_to(coalesce(string_agg(line, E'\n' ORDER BY tag, id), ''), 'UTF8')), 'hex')
                    FROM (
                      SELECT 1 AS tag, r.id, concat_ws('|', 'created', r.id, r.title_number, r.kind, coalesce(p.uin, p.registration_number), p.name,
                                                       r.share_numerator, r.share_denominator, r.amount, r.terms, extract(epoch FROM r.valid_from)) AS line
                      FROM registry.rights r JOIN registry.parties p ON p.id = r.party_id
                      WHERE r.created_by_transaction_id = $1
                      UNION ALL
                      SELECT 2, r.id, concat_ws('|', 'ended', r.id, extract(epoch FROM r.valid_to))
                      FROM registry.rights r WHERE r.ended_by_transaction_id = $1
                    ) lines
                  $q$ INTO digest USING tx;
                  RETURN digest;
                END $fn$;
                """);


        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION registry.transaction_digest(tx uuid) RETURNS text LANGUAGE sql STABLE AS $$
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
    }
}
