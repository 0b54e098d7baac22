using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace Landplatform.Integrations.Payments.Migrations
{
    /// <inheritdoc />
    public partial class InitialPayments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "payments");

            migrationBuilder.CreateSequence(
                name: "document_number",
                schema: "payments");

            migrationBuilder.CreateTable(
                name: "fees",
                schema: "payments",
                columns: table => new
                {
                    code = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    category = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    description = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    amount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: true),
                    unit = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    valid_from = table.Column<DateOnly>(type: "date", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_fees", x => x.code);
                });

            migrationBuilder.CreateTable(
                name: "gateway_events",
                schema: "payments",
                columns: table => new
                {
                    event_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    gateway_payment_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_gateway_events", x => x.event_id);
                });

            migrationBuilder.CreateTable(
                name: "invoices",
                schema: "payments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    number = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    subject_type = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    subject_reference = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    payer_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    payer_uin = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    total = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    issued_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    issued_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    paid_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    correlation_id = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_invoices", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "reconciliations",
                schema: "payments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    file_name = table.Column<string>(type: "character varying(260)", maxLength: 260, nullable: false),
                    file_sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    statement_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    period_from = table.Column<DateOnly>(type: "date", nullable: false),
                    period_to = table.Column<DateOnly>(type: "date", nullable: false),
                    bank_entries = table.Column<int>(type: "integer", nullable: false),
                    ledger_entries = table.Column<int>(type: "integer", nullable: false),
                    matched = table.Column<int>(type: "integer", nullable: false),
                    run_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    run_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_reconciliations", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "gateway_payments",
                schema: "payments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    invoice_id = table.Column<Guid>(type: "uuid", nullable: false),
                    idempotency_key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    gateway_payment_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    amount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    checkout_url = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    last_error = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_gateway_payments", x => x.id);
                    table.ForeignKey(
                        name: "FK_gateway_payments_invoices_invoice_id",
                        column: x => x.invoice_id,
                        principalSchema: "payments",
                        principalTable: "invoices",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "invoice_lines",
                schema: "payments",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    invoice_id = table.Column<Guid>(type: "uuid", nullable: false),
                    fee_code = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    description = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    quantity = table.Column<int>(type: "integer", nullable: false),
                    unit_amount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    amount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_invoice_lines", x => x.id);
                    table.ForeignKey(
                        name: "FK_invoice_lines_fees_fee_code",
                        column: x => x.fee_code,
                        principalSchema: "payments",
                        principalTable: "fees",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_invoice_lines_invoices_invoice_id",
                        column: x => x.invoice_id,
                        principalSchema: "payments",
                        principalTable: "invoices",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "reconciliation_findings",
                schema: "payments",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    reconciliation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    reference = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    invoice_number = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: true),
                    ledger_amount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: true),
                    bank_amount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: true),
                    date = table.Column<DateOnly>(type: "date", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_reconciliation_findings", x => x.id);
                    table.ForeignKey(
                        name: "FK_reconciliation_findings_reconciliations_reconciliation_id",
                        column: x => x.reconciliation_id,
                        principalSchema: "payments",
                        principalTable: "reconciliations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "receipts",
                schema: "payments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    number = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    invoice_id = table.Column<Guid>(type: "uuid", nullable: false),
                    payment_id = table.Column<Guid>(type: "uuid", nullable: false),
                    gateway_payment_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    amount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    paid_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_receipts", x => x.id);
                    table.ForeignKey(
                        name: "FK_receipts_gateway_payments_payment_id",
                        column: x => x.payment_id,
                        principalSchema: "payments",
                        principalTable: "gateway_payments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_receipts_invoices_invoice_id",
                        column: x => x.invoice_id,
                        principalSchema: "payments",
                        principalTable: "invoices",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.InsertData(
                schema: "payments",
                table: "fees",
                columns: new[] { "code", "amount", "category", "description", "unit", "valid_from" },
                values: new object[,]
                {
                    { "permit.building", 250.00m, "permit", "Building permit application", "per application", new DateOnly(2026, 1, 1) },
                    { "permit.inspection", 75.00m, "permit", "Building inspection", "per inspection", new DateOnly(2026, 1, 1) },
                    { "registry.caveat", 50.00m, "registry", "Lodging a caveat", "per transaction", new DateOnly(2026, 1, 1) },
                    { "registry.discharge", 50.00m, "registry", "Discharge of a mortgage", "per transaction", new DateOnly(2026, 1, 1) },
                    { "registry.mortgage", 100.00m, "registry", "Registration of a mortgage", "per transaction", new DateOnly(2026, 1, 1) },
                    { "registry.search", 20.00m, "registry", "Official search of a title", "per transaction", new DateOnly(2026, 1, 1) },
                    { "registry.transfer", 150.00m, "registry", "Registration of a transfer", "per transaction", new DateOnly(2026, 1, 1) },
                    { "survey.lodgement", 200.00m, "survey", "Lodgement and check of a cadastral survey", "per survey", new DateOnly(2026, 1, 1) },
                    { "survey.per-lot", 25.00m, "survey", "Each new lot created by a survey", "per lot", new DateOnly(2026, 1, 1) },
                    { "tax.transfer-duty", null, "tax", "Transfer duty (computed by the tax module on each transfer)", "computed", new DateOnly(2026, 1, 1) }
                });

            migrationBuilder.CreateIndex(
                name: "IX_gateway_payments_gateway_payment_id",
                schema: "payments",
                table: "gateway_payments",
                column: "gateway_payment_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_gateway_payments_idempotency_key",
                schema: "payments",
                table: "gateway_payments",
                column: "idempotency_key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_gateway_payments_invoice_id",
                schema: "payments",
                table: "gateway_payments",
                column: "invoice_id");

            migrationBuilder.CreateIndex(
                name: "IX_invoice_lines_fee_code",
                schema: "payments",
                table: "invoice_lines",
                column: "fee_code");

            migrationBuilder.CreateIndex(
                name: "IX_invoice_lines_invoice_id",
                schema: "payments",
                table: "invoice_lines",
                column: "invoice_id");

            migrationBuilder.CreateIndex(
                name: "IX_invoices_number",
                schema: "payments",
                table: "invoices",
                column: "number",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_invoices_subject_type_subject_reference",
                schema: "payments",
                table: "invoices",
                columns: new[] { "subject_type", "subject_reference" });

            migrationBuilder.CreateIndex(
                name: "IX_receipts_invoice_id",
                schema: "payments",
                table: "receipts",
                column: "invoice_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_receipts_number",
                schema: "payments",
                table: "receipts",
                column: "number",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_receipts_paid_at",
                schema: "payments",
                table: "receipts",
                column: "paid_at");

            migrationBuilder.CreateIndex(
                name: "IX_receipts_payment_id",
                schema: "payments",
                table: "receipts",
                column: "payment_id");

            migrationBuilder.CreateIndex(
                name: "IX_reconciliation_findings_reconciliation_id",
                schema: "payments",
                table: "reconciliation_findings",
                column: "reconciliation_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "gateway_events",
                schema: "payments");

            migrationBuilder.DropTable(
                name: "invoice_lines",
                schema: "payments");

            migrationBuilder.DropTable(
                name: "receipts",
                schema: "payments");

            migrationBuilder.DropTable(
                name: "reconciliation_findings",
                schema: "payments");

            migrationBuilder.DropTable(
                name: "fees",
                schema: "payments");

            migrationBuilder.DropTable(
                name: "gateway_payments",
                schema: "payments");

            migrationBuilder.DropTable(
                name: "reconciliations",
                schema: "payments");

            migrationBuilder.DropTable(
                name: "invoices",
                schema: "payments");

            migrationBuilder.DropSequence(
                name: "document_number",
                schema: "payments");
        }
    }
}
