using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Integrations.Payments.Migrations
{
    /// <summary>
    /// Money a citizen can trust (issue #23): <c>payments.idempotency_keys</c>, one row per caller and Idempotency-Key sent
    /// to start a payment, with the first answer; <c>payments.refunds</c>, at most one refund per invoice (a lapsed, rejected
    /// or withdrawn application's fee), asked of the gateway under its own idempotency key and reconciled against the bank's
    /// debits as payments are against its credits.
    /// </summary>
    [DbContext(typeof(PaymentsStore))]
    [Migration("20261204190500_IdempotencyAndRefunds")]
    public partial class IdempotencyAndRefunds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE payments.idempotency_keys (
                    caller text NOT NULL,
                    key text NOT NULL,
                    fingerprint text NOT NULL,
                    status int,
                    response text,
                    created_at timestamptz NOT NULL,
                    PRIMARY KEY (caller, key));

                CREATE TABLE payments.refunds (
                    id uuid PRIMARY KEY,
                    invoice_id uuid NOT NULL REFERENCES payments.invoices (id),
                    gateway_payment_id text NOT NULL,
                    idempotency_key text NOT NULL,
                    gateway_refund_id text,
                    amount numeric(12,2) NOT NULL CHECK (amount > 0),
                    currency text NOT NULL,
                    reason text NOT NULL,
                    status text NOT NULL CHECK (status IN ('requested', 'succeeded', 'failed')),
                    requested_at timestamptz NOT NULL,
                    refunded_at timestamptz,
                    last_error text);
                CREATE UNIQUE INDEX refunds_one_per_invoice ON payments.refunds (invoice_id);
                CREATE UNIQUE INDEX refunds_gateway_refund ON payments.refunds (gateway_refund_id);
                CREATE UNIQUE INDEX refunds_idempotency_key ON payments.refunds (idempotency_key);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("DROP TABLE payments.refunds; DROP TABLE payments.idempotency_keys;");
    }
}
