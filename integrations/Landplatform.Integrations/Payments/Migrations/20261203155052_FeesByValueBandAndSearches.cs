using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace Landplatform.Integrations.Payments.Migrations
{
    /// <inheritdoc />
    public partial class FeesByValueBandAndSearches : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<decimal>(
                name: "per_thousand",
                schema: "payments",
                table: "fees",
                type: "numeric(12,2)",
                precision: 12,
                scale: 2,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "threshold",
                schema: "payments",
                table: "fees",
                type: "numeric(14,2)",
                precision: 14,
                scale: 2,
                nullable: true);

            migrationBuilder.UpdateData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "permit.building",
                columns: new[] { "per_thousand", "threshold" },
                values: new object[] { null, null });

            migrationBuilder.UpdateData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "permit.inspection",
                columns: new[] { "per_thousand", "threshold" },
                values: new object[] { null, null });

            migrationBuilder.UpdateData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "registry.caveat",
                columns: new[] { "per_thousand", "threshold" },
                values: new object[] { null, null });

            migrationBuilder.UpdateData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "registry.caveat-withdrawal",
                columns: new[] { "per_thousand", "threshold" },
                values: new object[] { null, null });

            migrationBuilder.UpdateData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "registry.discharge",
                columns: new[] { "per_thousand", "threshold" },
                values: new object[] { null, null });

            migrationBuilder.UpdateData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "registry.mortgage",
                columns: new[] { "per_thousand", "threshold" },
                values: new object[] { null, null });

            migrationBuilder.UpdateData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "registry.rectification",
                columns: new[] { "per_thousand", "threshold" },
                values: new object[] { null, null });

            migrationBuilder.UpdateData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "registry.search",
                columns: new[] { "per_thousand", "threshold" },
                values: new object[] { null, null });

            migrationBuilder.UpdateData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "registry.subdivision",
                columns: new[] { "per_thousand", "threshold" },
                values: new object[] { null, null });

            migrationBuilder.UpdateData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "registry.transfer",
                columns: new[] { "amount", "description", "per_thousand", "threshold", "unit" },
                values: new object[] { 40.00m, "Registration of a transfer (by value band)", 2.50m, 15000m, "by value" });

            migrationBuilder.UpdateData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "survey.lodgement",
                columns: new[] { "per_thousand", "threshold" },
                values: new object[] { null, null });

            migrationBuilder.UpdateData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "survey.per-lot",
                columns: new[] { "per_thousand", "threshold" },
                values: new object[] { null, null });

            migrationBuilder.UpdateData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "tax.transfer-duty",
                columns: new[] { "per_thousand", "threshold" },
                values: new object[] { null, null });

            migrationBuilder.InsertData(
                schema: "payments",
                table: "fees",
                columns: new[] { "code", "amount", "category", "description", "per_thousand", "threshold", "unit", "valid_from" },
                values: new object[,]
                {
                    { "registry.search-day", 25.00m, "registry", "Search of the Index of Deeds at the office, per day", null, null, "per day", new DateOnly(2026, 1, 1) },
                    { "registry.search-page", 2.00m, "registry", "Pages of recorded deeds searched or copied, per page", null, null, "per page", new DateOnly(2026, 1, 1) },
                    { "tax.stamp-duty.buyer", null, "tax", "Stamp duty, buyer's share (computed by the tax module on the greater of price and roll value)", null, null, "computed", new DateOnly(2026, 1, 1) },
                    { "tax.stamp-duty.seller", null, "tax", "Stamp duty, seller's share (computed by the tax module on the greater of price and roll value)", null, null, "computed", new DateOnly(2026, 1, 1) }
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DeleteData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "registry.search-day");

            migrationBuilder.DeleteData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "registry.search-page");

            migrationBuilder.DeleteData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "tax.stamp-duty.buyer");

            migrationBuilder.DeleteData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "tax.stamp-duty.seller");

            migrationBuilder.DropColumn(
                name: "per_thousand",
                schema: "payments",
                table: "fees");

            migrationBuilder.DropColumn(
                name: "threshold",
                schema: "payments",
                table: "fees");

            migrationBuilder.UpdateData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "registry.transfer",
                columns: new[] { "amount", "description", "unit" },
                values: new object[] { 150.00m, "Registration of a transfer", "per transaction" });
        }
    }
}
