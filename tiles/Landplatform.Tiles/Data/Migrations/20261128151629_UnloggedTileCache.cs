using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Tiles.Data.Migrations
{
    /// <inheritdoc />
    public partial class UnloggedTileCache : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A cache: nothing in it needs to survive a crash (PostgreSQL empties an unlogged table then), so no WAL for tile bytes.
            migrationBuilder.Sql("ALTER TABLE tiles.tile_cache SET UNLOGGED;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("ALTER TABLE tiles.tile_cache SET LOGGED;");
        }
    }
}
