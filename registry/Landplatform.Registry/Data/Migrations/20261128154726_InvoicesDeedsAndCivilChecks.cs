using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Registry.Data.Migrations
{
    /// <inheritdoc />
    public partial class InvoicesDeedsAndCivilChecks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<decimal>(
                name: "duty",
                schema: "registry",
                table: "transactions",
                type: "numeric(16,2)",
                precision: 16,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "duty_basis",
                schema: "registry",
                table: "transactions",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "invoice_id",
                schema: "registry",
                table: "transactions",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "invoice_number",
                schema: "registry",
                table: "transactions",
                type: "character varying(40)",
                maxLength: 40,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "invoice_paid_at",
                schema: "registry",
                table: "transactions",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "invoice_total",
                schema: "registry",
                table: "transactions",
                type: "numeric(16,2)",
                precision: 16,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "receipt_number",
                schema: "registry",
                table: "transactions",
                type: "character varying(40)",
                maxLength: 40,
                nullable: true);

            migrationBuilder.AddColumn<DateOnly>(
                name: "date_of_death",
                schema: "registry",
                table: "parties",
                type: "date",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "deceased",
                schema: "registry",
                table: "parties",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "verified_at",
                schema: "registry",
                table: "parties",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_transactions_invoice_id",
                schema: "registry",
                table: "transactions",
                column: "invoice_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_transactions_invoice_id",
                schema: "registry",
                table: "transactions");

            migrationBuilder.DropColumn(
                name: "duty",
                schema: "registry",
                table: "transactions");

            migrationBuilder.DropColumn(
                name: "duty_basis",
                schema: "registry",
                table: "transactions");

            migrationBuilder.DropColumn(
                name: "invoice_id",
                schema: "registry",
                table: "transactions");

            migrationBuilder.DropColumn(
                name: "invoice_number",
                schema: "registry",
                table: "transactions");

            migrationBuilder.DropColumn(
                name: "invoice_paid_at",
                schema: "registry",
                table: "transactions");

            migrationBuilder.DropColumn(
                name: "invoice_total",
                schema: "registry",
                table: "transactions");

            migrationBuilder.DropColumn(
                name: "receipt_number",
                schema: "registry",
                table: "transactions");

            migrationBuilder.DropColumn(
                name: "date_of_death",
                schema: "registry",
                table: "parties");

            migrationBuilder.DropColumn(
                name: "deceased",
                schema: "registry",
                table: "parties");

            migrationBuilder.DropColumn(
                name: "verified_at",
                schema: "registry",
                table: "parties");
        }
    }
}
