using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace Landplatform.Registry.Data.Migrations
{
    /// <summary>
    /// Alien Land-Holding Licences (append-only, revocations a table of their own), and the registry's copy of the fee
    /// schedule dropped: the payments module's schedule is the one place fees are set (StandardFees its starting rows).
    /// </summary>
    public partial class AlienLicencesAndOneFeeSchedule : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "fee_schedule",
                schema: "registry");

            migrationBuilder.CreateTable(
                name: "alien_licences",
                schema: "registry",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    number = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    holder_kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    holder_uin = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    holder_registration_number = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    holder_name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    granted_on = table.Column<DateOnly>(type: "date", nullable: false),
                    expires_on = table.Column<DateOnly>(type: "date", nullable: true),
                    conditions = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    recorded_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_alien_licences", x => x.id);
                    table.CheckConstraint("ck_alien_licences_holder", "(holder_kind = 'person' AND holder_uin IS NOT NULL AND holder_registration_number IS NULL) OR (holder_kind = 'organisation' AND holder_registration_number IS NOT NULL AND holder_uin IS NULL)");
                    table.CheckConstraint("ck_alien_licences_period", "expires_on IS NULL OR expires_on >= granted_on");
                });

            migrationBuilder.CreateTable(
                name: "alien_licence_parcels",
                schema: "registry",
                columns: table => new
                {
                    licence_id = table.Column<long>(type: "bigint", nullable: false),
                    upi = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_alien_licence_parcels", x => new { x.licence_id, x.upi });
                    table.ForeignKey(
                        name: "FK_alien_licence_parcels_alien_licences_licence_id",
                        column: x => x.licence_id,
                        principalSchema: "registry",
                        principalTable: "alien_licences",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "alien_licence_revocations",
                schema: "registry",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    licence_id = table.Column<long>(type: "bigint", nullable: false),
                    revoked_on = table.Column<DateOnly>(type: "date", nullable: false),
                    reason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    recorded_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_alien_licence_revocations", x => x.id);
                    table.ForeignKey(
                        name: "FK_alien_licence_revocations_alien_licences_licence_id",
                        column: x => x.licence_id,
                        principalSchema: "registry",
                        principalTable: "alien_licences",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_alien_licence_parcels_upi",
                schema: "registry",
                table: "alien_licence_parcels",
                column: "upi");

            migrationBuilder.CreateIndex(
                name: "IX_alien_licence_revocations_licence_id",
                schema: "registry",
                table: "alien_licence_revocations",
                column: "licence_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_alien_licences_holder_registration_number",
                schema: "registry",
                table: "alien_licences",
                column: "holder_registration_number");

            migrationBuilder.CreateIndex(
                name: "IX_alien_licences_holder_uin",
                schema: "registry",
                table: "alien_licences",
                column: "holder_uin");

            migrationBuilder.CreateIndex(
                name: "IX_alien_licences_number",
                schema: "registry",
                table: "alien_licences",
                column: "number",
                unique: true);

            // Licences are history: never changed or deleted (a revocation is a row of its own).
            migrationBuilder.Sql("""
                CREATE TRIGGER alien_licences_append_only BEFORE UPDATE OR DELETE ON registry.alien_licences
                  FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
                CREATE TRIGGER alien_licences_no_truncate BEFORE TRUNCATE ON registry.alien_licences
                  FOR EACH STATEMENT EXECUTE FUNCTION registry.refuse_change();
                CREATE TRIGGER alien_licence_parcels_append_only BEFORE UPDATE OR DELETE ON registry.alien_licence_parcels
                  FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
                CREATE TRIGGER alien_licence_parcels_no_truncate BEFORE TRUNCATE ON registry.alien_licence_parcels
                  FOR EACH STATEMENT EXECUTE FUNCTION registry.refuse_change();
                CREATE TRIGGER alien_licence_revocations_append_only BEFORE UPDATE OR DELETE ON registry.alien_licence_revocations
                  FOR EACH ROW EXECUTE FUNCTION registry.refuse_change();
                CREATE TRIGGER alien_licence_revocations_no_truncate BEFORE TRUNCATE ON registry.alien_licence_revocations
                  FOR EACH STATEMENT EXECUTE FUNCTION registry.refuse_change();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "alien_licence_parcels",
                schema: "registry");

            migrationBuilder.DropTable(
                name: "alien_licence_revocations",
                schema: "registry");

            migrationBuilder.DropTable(
                name: "alien_licences",
                schema: "registry");

            migrationBuilder.CreateTable(
                name: "fee_schedule",
                schema: "registry",
                columns: table => new
                {
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    fee = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_fee_schedule", x => x.kind);
                });

            migrationBuilder.InsertData(
                schema: "registry",
                table: "fee_schedule",
                columns: new[] { "kind", "fee" },
                values: new object[,]
                {
                    { "caveat", 75.00m },
                    { "caveat_withdrawal", 25.00m },
                    { "discharge", 50.00m },
                    { "mortgage", 100.00m },
                    { "rectification", 40.00m },
                    { "subdivision", 200.00m },
                    { "transfer", 150.00m }
                });
        }
    }
}
