using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Tiles.Data.Migrations
{
    /// <inheritdoc />
    public partial class TileCacheLz4 : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Storing a 22 KB vector tile cost PostgreSQL's default TOAST compression (pglz) about 0.35 ms of CPU,
            // on every cold tile; lz4 compresses it about as well in a fifth of the time and reads back faster.
            // A server built without lz4 stores tiles uncompressed instead (cheaper still, about twice the space).
            migrationBuilder.Sql("""
                DO $$
                BEGIN
                  ALTER TABLE tiles.tile_cache ALTER COLUMN data SET COMPRESSION lz4;
                EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
                  ALTER TABLE tiles.tile_cache ALTER COLUMN data SET STORAGE EXTERNAL;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                ALTER TABLE tiles.tile_cache ALTER COLUMN data SET COMPRESSION default;
                ALTER TABLE tiles.tile_cache ALTER COLUMN data SET STORAGE EXTENDED;
                """);
        }
    }
}
