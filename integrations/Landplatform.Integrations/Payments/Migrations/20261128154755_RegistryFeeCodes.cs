using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace Landplatform.Integrations.Payments.Migrations
{
    /// <inheritdoc />
    public partial class RegistryFeeCodes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.InsertData(
                schema: "payments",
                table: "fees",
                columns: new[] { "code", "amount", "category", "description", "unit", "valid_from" },
                values: new object[,]
                {
                    { "registry.caveat-withdrawal", 25.00m, "registry", "Withdrawal of a caveat", "per transaction", new DateOnly(2026, 1, 1) },
                    { "registry.rectification", 40.00m, "registry", "Rectification of the register", "per transaction", new DateOnly(2026, 1, 1) },
                    { "registry.subdivision", 200.00m, "registry", "Registration of a subdivision (new titles)", "per transaction", new DateOnly(2026, 1, 1) }
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DeleteData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "registry.caveat-withdrawal");

            migrationBuilder.DeleteData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "registry.rectification");

            migrationBuilder.DeleteData(
                schema: "payments",
                table: "fees",
                keyColumn: "code",
                keyValue: "registry.subdivision");
        }
    }
}
