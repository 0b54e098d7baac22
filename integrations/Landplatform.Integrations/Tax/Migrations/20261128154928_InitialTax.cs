using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace Landplatform.Integrations.Tax.Migrations
{
    /// <inheritdoc />
    public partial class InitialTax : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "tax");

            migrationBuilder.CreateTable(
                name: "bills",
                schema: "tax",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tax_year = table.Column<int>(type: "integer", nullable: false),
                    owner_key = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    owner_name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    owner_uin = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    parcels = table.Column<string>(type: "jsonb", nullable: false),
                    assessed_value = table.Column<decimal>(type: "numeric(16,2)", precision: 16, scale: 2, nullable: false),
                    rate = table.Column<decimal>(type: "numeric(12,6)", precision: 12, scale: 6, nullable: false),
                    amount = table.Column<decimal>(type: "numeric(14,2)", precision: 14, scale: 2, nullable: false),
                    invoice_id = table.Column<Guid>(type: "uuid", nullable: true),
                    invoice_number = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_bills", x => x.id);
                    table.CheckConstraint("ck_bills_amount", "amount >= 0");
                });

            migrationBuilder.CreateTable(
                name: "rates",
                schema: "tax",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false),
                    category = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    code = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    rate = table.Column<decimal>(type: "numeric(12,6)", precision: 12, scale: 6, nullable: false),
                    valid_from = table.Column<DateOnly>(type: "date", nullable: false),
                    description = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rates", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "roll_entries",
                schema: "tax",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    upi = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    official_area = table.Column<decimal>(type: "numeric(14,2)", precision: 14, scale: 2, nullable: false),
                    land_use = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    district_code = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    land_rate = table.Column<decimal>(type: "numeric(12,6)", precision: 12, scale: 6, nullable: false),
                    location_factor = table.Column<decimal>(type: "numeric(12,6)", precision: 12, scale: 6, nullable: false),
                    land_value = table.Column<decimal>(type: "numeric(16,2)", precision: 16, scale: 2, nullable: false),
                    floor_area = table.Column<decimal>(type: "numeric(14,2)", precision: 14, scale: 2, nullable: false),
                    building_value = table.Column<decimal>(type: "numeric(16,2)", precision: 16, scale: 2, nullable: false),
                    value = table.Column<decimal>(type: "numeric(16,2)", precision: 16, scale: 2, nullable: false),
                    basis = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    title_number = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    owners = table.Column<string>(type: "jsonb", nullable: false),
                    reason = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    source_event_id = table.Column<Guid>(type: "uuid", nullable: true),
                    valued_on = table.Column<DateOnly>(type: "date", nullable: false),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_roll_entries", x => x.id);
                    table.CheckConstraint("ck_roll_entries_status", "status IN ('valued', 'retired')");
                });

            migrationBuilder.InsertData(
                schema: "tax",
                table: "rates",
                columns: new[] { "id", "category", "code", "description", "rate", "valid_from" },
                values: new object[,]
                {
                    { 1L, "land-use", "residential", "Residential land, XCD per m² of official area", 45m, new DateOnly(2026, 1, 1) },
                    { 2L, "land-use", "commercial", "Commercial land, XCD per m² of official area", 90m, new DateOnly(2026, 1, 1) },
                    { 3L, "land-use", "industrial", "Industrial land, XCD per m² of official area", 35m, new DateOnly(2026, 1, 1) },
                    { 4L, "land-use", "institutional", "Institutional land, XCD per m² of official area", 25m, new DateOnly(2026, 1, 1) },
                    { 5L, "land-use", "agricultural", "Agricultural land, XCD per m² of official area", 4m, new DateOnly(2026, 1, 1) },
                    { 6L, "land-use", "forest", "Forest, XCD per m² of official area", 1.5m, new DateOnly(2026, 1, 1) },
                    { 7L, "land-use", "conservation", "Conservation land, XCD per m² of official area", 0.5m, new DateOnly(2026, 1, 1) },
                    { 20L, "location", "CH", "Location factor, Charlotte", 1.00m, new DateOnly(2026, 1, 1) },
                    { 21L, "location", "SA", "Location factor, Saint Andrew", 1.10m, new DateOnly(2026, 1, 1) },
                    { 22L, "location", "SD", "Location factor, Saint David", 0.85m, new DateOnly(2026, 1, 1) },
                    { 23L, "location", "SG", "Location factor, Saint George (Kingstown)", 1.40m, new DateOnly(2026, 1, 1) },
                    { 24L, "location", "SP", "Location factor, Saint Patrick", 0.90m, new DateOnly(2026, 1, 1) },
                    { 40L, "building", "dwelling", "Dwelling, XCD per m² of floor (footprint × storeys)", 900m, new DateOnly(2026, 1, 1) },
                    { 41L, "building", "shop", "Shop, XCD per m² of floor", 1100m, new DateOnly(2026, 1, 1) },
                    { 42L, "building", "office", "Office, XCD per m² of floor", 1200m, new DateOnly(2026, 1, 1) },
                    { 43L, "building", "warehouse", "Warehouse, XCD per m² of floor", 600m, new DateOnly(2026, 1, 1) },
                    { 44L, "building", "farm building", "Farm building, XCD per m² of floor", 300m, new DateOnly(2026, 1, 1) },
                    { 45L, "building", "school", "School, XCD per m² of floor", 800m, new DateOnly(2026, 1, 1) },
                    { 46L, "building", "church", "Church, XCD per m² of floor", 700m, new DateOnly(2026, 1, 1) },
                    { 47L, "building", "clinic", "Clinic, XCD per m² of floor", 1000m, new DateOnly(2026, 1, 1) },
                    { 48L, "building", "other", "Any other building, XCD per m² of floor", 500m, new DateOnly(2026, 1, 1) },
                    { 60L, "property-tax", "all", "Annual property tax: 0.4 % of the owner's share of the roll value", 0.004m, new DateOnly(2026, 1, 1) },
                    { 70L, "transfer-duty", "sale", "Transfer duty on a sale: 4 % of the greater of the consideration and the roll value", 0.04m, new DateOnly(2026, 1, 1) },
                    { 71L, "transfer-duty", "gift", "Transfer duty on a gift: 2 % of the roll value", 0.02m, new DateOnly(2026, 1, 1) },
                    { 72L, "transfer-duty", "inheritance", "Transfer duty on an inheritance: exempt", 0m, new DateOnly(2026, 1, 1) }
                });

            migrationBuilder.CreateIndex(
                name: "IX_bills_owner_uin_tax_year",
                schema: "tax",
                table: "bills",
                columns: new[] { "owner_uin", "tax_year" });

            migrationBuilder.CreateIndex(
                name: "IX_bills_tax_year_owner_key",
                schema: "tax",
                table: "bills",
                columns: new[] { "tax_year", "owner_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_rates_category_code_valid_from",
                schema: "tax",
                table: "rates",
                columns: new[] { "category", "code", "valid_from" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_roll_entries_upi_source_event_id",
                schema: "tax",
                table: "roll_entries",
                columns: new[] { "upi", "source_event_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_roll_entries_upi_version",
                schema: "tax",
                table: "roll_entries",
                columns: new[] { "upi", "version" },
                unique: true);

            migrationBuilder.Sql("""
                CREATE FUNCTION tax.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  RAISE EXCEPTION 'the valuation roll is append-only: a change is a new version of the entry' USING ERRCODE = 'LPH02';
                END $$;
                CREATE TRIGGER roll_entries_append_only BEFORE UPDATE OR DELETE ON tax.roll_entries FOR EACH ROW EXECUTE FUNCTION tax.refuse_change();
                CREATE TRIGGER roll_entries_no_truncate BEFORE TRUNCATE ON tax.roll_entries FOR EACH STATEMENT EXECUTE FUNCTION tax.refuse_change();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS tax.refuse_change() CASCADE");

            migrationBuilder.DropTable(
                name: "bills",
                schema: "tax");

            migrationBuilder.DropTable(
                name: "rates",
                schema: "tax");

            migrationBuilder.DropTable(
                name: "roll_entries",
                schema: "tax");
        }
    }
}
