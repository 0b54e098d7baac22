using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Integrations.Permits.Migrations
{
    /// <inheritdoc />
    public partial class PermitsApplicantIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_applications_applicant_uin",
                schema: "permits",
                table: "applications",
                column: "applicant_uin");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_applications_applicant_uin",
                schema: "permits",
                table: "applications");
        }
    }
}
