using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Integrations.Permits.Migrations
{
    /// <inheritdoc />
    public partial class InitialPermits : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "permits");

            migrationBuilder.CreateSequence(
                name: "application_number",
                schema: "permits");

            migrationBuilder.CreateTable(
                name: "applications",
                schema: "permits",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    number = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    upi = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    title_number = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    description = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    footprint = table.Column<string>(type: "jsonb", nullable: true),
                    applicant_name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    applicant_uin = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    applicant_capacity = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    owner_uin = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    owner_name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    consented_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    findings = table.Column<string>(type: "jsonb", nullable: true),
                    checked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    submitted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    decided_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    reasons = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_applications", x => x.id);
                    table.CheckConstraint("ck_applications_status", "status IN ('awaiting-consent', 'submitted', 'approved', 'refused')");
                });

            migrationBuilder.CreateIndex(
                name: "IX_applications_number",
                schema: "permits",
                table: "applications",
                column: "number",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_applications_owner_uin",
                schema: "permits",
                table: "applications",
                column: "owner_uin");

            migrationBuilder.CreateIndex(
                name: "IX_applications_upi_status",
                schema: "permits",
                table: "applications",
                columns: new[] { "upi", "status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "applications",
                schema: "permits");

            migrationBuilder.DropSequence(
                name: "application_number",
                schema: "permits");
        }
    }
}
