using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Tiles.Data.Migrations
{
    /// <inheritdoc />
    public partial class TileCache : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "tiles");

            migrationBuilder.CreateTable(
                name: "applied_events",
                schema: "tiles",
                columns: table => new
                {
                    outbox_id = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_applied_events", x => x.outbox_id);
                });

            migrationBuilder.CreateTable(
                name: "outbox_cursor",
                schema: "tiles",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    applied_through = table.Column<long>(type: "bigint", nullable: false),
                    gap_horizon = table.Column<long>(type: "bigint", nullable: true),
                    epoch = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outbox_cursor", x => x.id);
                    table.CheckConstraint("ck_outbox_cursor_one_row", "id = 1");
                });

            migrationBuilder.CreateTable(
                name: "tile_cache",
                schema: "tiles",
                columns: table => new
                {
                    z = table.Column<int>(type: "integer", nullable: false),
                    x = table.Column<int>(type: "integer", nullable: false),
                    y = table.Column<int>(type: "integer", nullable: false),
                    layer = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    format = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    variant = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                    etag = table.Column<string>(type: "character varying(48)", maxLength: 48, nullable: false),
                    data = table.Column<byte[]>(type: "bytea", nullable: false),
                    rendered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_tile_cache", x => new { x.z, x.x, x.y, x.layer, x.format, x.variant });
                });

            migrationBuilder.InsertData(
                schema: "tiles",
                table: "outbox_cursor",
                columns: new[] { "id", "applied_through", "epoch", "gap_horizon" },
                values: new object[] { 1, 0L, 0L, null });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "applied_events",
                schema: "tiles");

            migrationBuilder.DropTable(
                name: "outbox_cursor",
                schema: "tiles");

            migrationBuilder.DropTable(
                name: "tile_cache",
                schema: "tiles");
        }
    }
}
