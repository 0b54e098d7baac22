using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Cadastre.Data.Migrations
{
    /// <inheritdoc />
    public partial class FabricEditEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            FabricEditEventsSql.Apply(migrationBuilder);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            FabricEditEventsSql.Revert(migrationBuilder);
        }
    }
}
