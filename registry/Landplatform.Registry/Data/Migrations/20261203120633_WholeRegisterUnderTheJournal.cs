using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Registry.Data.Migrations
{
    /// <inheritdoc />
    public partial class WholeRegisterUnderTheJournal : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_journal_transaction_id",
                schema: "registry",
                table: "journal");

            // Added, backfilled from the title that the link came with, then made NOT NULL (and indexed).
            RegisterCoverageSql.Apply(migrationBuilder);

            migrationBuilder.CreateIndex(
                name: "IX_titles_closed_by_transaction_id",
                schema: "registry",
                table: "titles",
                column: "closed_by_transaction_id");

            migrationBuilder.CreateIndex(
                name: "IX_titles_opened_by_transaction_id",
                schema: "registry",
                table: "titles",
                column: "opened_by_transaction_id");

            migrationBuilder.CreateIndex(
                name: "IX_journal_transaction_id",
                schema: "registry",
                table: "journal",
                column: "transaction_id",
                unique: true);

            // The foreign keys to the journal need its unique index; then the triggers and the digest v2.
            RegisterCoverageSql.ApplyGuards(migrationBuilder);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            RegisterCoverageSql.Revert(migrationBuilder);

            migrationBuilder.DropIndex(
                name: "IX_titles_closed_by_transaction_id",
                schema: "registry",
                table: "titles");

            migrationBuilder.DropIndex(
                name: "IX_titles_opened_by_transaction_id",
                schema: "registry",
                table: "titles");

            migrationBuilder.DropIndex(
                name: "IX_journal_transaction_id",
                schema: "registry",
                table: "journal");

            RegisterCoverageSql.RevertColumn(migrationBuilder);

            migrationBuilder.CreateIndex(
                name: "IX_journal_transaction_id",
                schema: "registry",
                table: "journal",
                column: "transaction_id");
        }
    }
}
