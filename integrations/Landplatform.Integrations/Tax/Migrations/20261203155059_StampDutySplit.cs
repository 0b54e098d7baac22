using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace Landplatform.Integrations.Tax.Migrations
{
    /// <inheritdoc />
    public partial class StampDutySplit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.InsertData(
                schema: "tax",
                table: "rates",
                columns: new[] { "id", "category", "code", "description", "rate", "valid_from" },
                values: new object[,]
                {
                    { 73L, "transfer-duty", "sale-buyer", "Stamp duty on a sale, the buyer's share: 5 % of the greater of the consideration and the roll value", 0.05m, new DateOnly(2026, 1, 1) },
                    { 74L, "transfer-duty", "sale-seller", "Stamp duty on a sale, the seller's share: 5 % of the greater of the consideration and the roll value", 0.05m, new DateOnly(2026, 1, 1) }
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DeleteData(
                schema: "tax",
                table: "rates",
                keyColumn: "id",
                keyValue: 73L);

            migrationBuilder.DeleteData(
                schema: "tax",
                table: "rates",
                keyColumn: "id",
                keyValue: 74L);
        }
    }
}
