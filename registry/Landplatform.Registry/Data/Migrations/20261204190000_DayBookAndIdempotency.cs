using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Registry.Data.Migrations
{
    /// <summary>
    /// The register office's day book and its money (issue #23): every application gets a place in the day book
    /// (<c>day_book_seq</c>, from one sequence, so conflicting applications are decided in its order) and an application
    /// number; a requisition carries its deadline; an application whose grantors lost the land to an earlier one is marked
    /// superseded (it keeps no place in the title's queue); a refund of a lapsed, rejected or withdrawn application is
    /// recorded. <c>registry.idempotency_keys</c>: one row per caller and Idempotency-Key, with the first answer. None of
    /// these columns is in the journal's digest: they change while an application is pending, never after registration.
    /// </summary>
    [DbContext(typeof(RegistryDbContext))]
    [Migration("20261204190000_DayBookAndIdempotency")]
    public partial class DayBookAndIdempotency : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE SEQUENCE registry.day_book_seq;
                ALTER TABLE registry.transactions
                  ADD COLUMN day_book_seq bigint,
                  ADD COLUMN application_number text GENERATED ALWAYS AS ('AN-' || lpad(day_book_seq::text, 8, '0')) STORED,
                  ADD COLUMN requisition_due_at timestamptz,
                  ADD COLUMN superseded_by uuid REFERENCES registry.transactions (id),
                  ADD COLUMN refunded_at timestamptz,
                  ADD COLUMN refund_reference text;

                -- Applications lodged before the day book took their place in lodgement order.
                UPDATE registry.transactions t SET day_book_seq = n.seq
                FROM (SELECT id, row_number() OVER (ORDER BY lodged_at, id) AS seq FROM registry.transactions WHERE kind <> 'initial_load') n
                WHERE n.id = t.id;
                SELECT setval('registry.day_book_seq', coalesce((SELECT max(day_book_seq) FROM registry.transactions), 0) + 1, false);
                -- Every application from now on takes the next place as its row is written, whichever path writes it.
                ALTER TABLE registry.transactions ALTER COLUMN day_book_seq SET DEFAULT nextval('registry.day_book_seq');

                CREATE UNIQUE INDEX transactions_day_book_seq ON registry.transactions (day_book_seq);
                CREATE UNIQUE INDEX transactions_application_number ON registry.transactions (application_number);
                CREATE INDEX transactions_title_day_book ON registry.transactions (title_number, day_book_seq)
                  WHERE state IN ('lodged', 'fees_due', 'paid', 'examined', 'requisitioned');

                CREATE TABLE registry.idempotency_keys (
                    caller text NOT NULL,
                    key text NOT NULL,
                    fingerprint text NOT NULL,
                    transaction_id uuid NOT NULL REFERENCES registry.transactions (id) DEFERRABLE INITIALLY DEFERRED,
                    status int,
                    response text,
                    created_at timestamptz NOT NULL,
                    PRIMARY KEY (caller, key));
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TABLE registry.idempotency_keys;
                ALTER TABLE registry.transactions DROP COLUMN day_book_seq, DROP COLUMN application_number, DROP COLUMN requisition_due_at,
                  DROP COLUMN superseded_by, DROP COLUMN refunded_at, DROP COLUMN refund_reference;
                DROP SEQUENCE registry.day_book_seq;
                """);
        }
    }
}
