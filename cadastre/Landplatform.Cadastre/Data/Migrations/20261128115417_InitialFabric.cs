using System;
using Microsoft.EntityFrameworkCore.Migrations;
using NetTopologySuite.Geometries;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Landplatform.Cadastre.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialFabric : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "cadastre");

            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:btree_gist", ",,")
                .Annotation("Npgsql:PostgresExtension:pg_trgm", ",,")
                .Annotation("Npgsql:PostgresExtension:postgis", ",,");

            migrationBuilder.CreateTable(
                name: "districts",
                schema: "cadastre",
                columns: table => new
                {
                    code = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    boundary = table.Column<MultiPolygon>(type: "geometry(MultiPolygon,2007)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_districts", x => x.code);
                });

            migrationBuilder.CreateTable(
                name: "fabric_transactions",
                schema: "cadastre",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    reference = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    effective_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    recorded_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_fabric_transactions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "hazard_zones",
                schema: "cadastre",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    hazard = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    level = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    boundary = table.Column<MultiPolygon>(type: "geometry(MultiPolygon,2007)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_hazard_zones", x => x.id);
                    table.CheckConstraint("ck_hazard_zones_hazard", "hazard IN ('flood_coastal','flood_river','landslide','storm_surge')");
                    table.CheckConstraint("ck_hazard_zones_level", "level IN ('low','medium','high')");
                });

            migrationBuilder.CreateTable(
                name: "road_reserves",
                schema: "cadastre",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    road_class = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    boundary = table.Column<MultiPolygon>(type: "geometry(MultiPolygon,2007)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_road_reserves", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "blocks",
                schema: "cadastre",
                columns: table => new
                {
                    code = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    district_code = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    boundary = table.Column<MultiPolygon>(type: "geometry(MultiPolygon,2007)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_blocks", x => x.code);
                    table.ForeignKey(
                        name: "FK_blocks_districts_district_code",
                        column: x => x.district_code,
                        principalSchema: "cadastre",
                        principalTable: "districts",
                        principalColumn: "code",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "parcel_records",
                schema: "cadastre",
                columns: table => new
                {
                    upi = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    district_code = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    block_code = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    lot_number = table.Column<int>(type: "integer", nullable: false),
                    issued_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    issued_by_transaction_id = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_parcel_records", x => x.upi);
                    table.ForeignKey(
                        name: "FK_parcel_records_fabric_transactions_issued_by_transaction_id",
                        column: x => x.issued_by_transaction_id,
                        principalSchema: "cadastre",
                        principalTable: "fabric_transactions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "buildings",
                schema: "cadastre",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    upi = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    use = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    storeys = table.Column<int>(type: "integer", nullable: false),
                    footprint = table.Column<Polygon>(type: "geometry(Polygon,2007)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_buildings", x => x.id);
                    table.ForeignKey(
                        name: "FK_buildings_parcel_records_upi",
                        column: x => x.upi,
                        principalSchema: "cadastre",
                        principalTable: "parcel_records",
                        principalColumn: "upi",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "lineage_edges",
                schema: "cadastre",
                columns: table => new
                {
                    parent_upi = table.Column<string>(type: "character varying(32)", nullable: false),
                    child_upi = table.Column<string>(type: "character varying(32)", nullable: false),
                    transaction_id = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_lineage_edges", x => new { x.parent_upi, x.child_upi });
                    table.CheckConstraint("ck_lineage_edges_not_self", "parent_upi <> child_upi");
                    table.ForeignKey(
                        name: "FK_lineage_edges_fabric_transactions_transaction_id",
                        column: x => x.transaction_id,
                        principalSchema: "cadastre",
                        principalTable: "fabric_transactions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_lineage_edges_parcel_records_child_upi",
                        column: x => x.child_upi,
                        principalSchema: "cadastre",
                        principalTable: "parcel_records",
                        principalColumn: "upi",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_lineage_edges_parcel_records_parent_upi",
                        column: x => x.parent_upi,
                        principalSchema: "cadastre",
                        principalTable: "parcel_records",
                        principalColumn: "upi",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "parcel_versions",
                schema: "cadastre",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    upi = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    boundary = table.Column<MultiPolygon>(type: "geometry(MultiPolygon,2007)", nullable: false),
                    official_area = table.Column<decimal>(type: "numeric(14,2)", precision: 14, scale: 2, nullable: false),
                    computed_area = table.Column<double>(type: "double precision", nullable: false, computedColumnSql: "ST_Area(boundary)", stored: true),
                    land_use = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    address = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    district_code = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    block_code = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    valid_from = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    valid_to = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    transaction_id = table.Column<Guid>(type: "uuid", nullable: false),
                    retired_by_transaction_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_parcel_versions", x => x.id);
                    table.CheckConstraint("ck_parcel_versions_current_is_open", "(status = 'current') = (valid_to IS NULL) OR status = 'pending'");
                    table.CheckConstraint("ck_parcel_versions_official_area", "official_area > 0");
                    table.CheckConstraint("ck_parcel_versions_period", "valid_to IS NULL OR valid_to > valid_from");
                    table.CheckConstraint("ck_parcel_versions_valid_boundary", "ST_IsValid(boundary) AND NOT ST_IsEmpty(boundary)");
                    table.ForeignKey(
                        name: "FK_parcel_versions_fabric_transactions_retired_by_transaction_~",
                        column: x => x.retired_by_transaction_id,
                        principalSchema: "cadastre",
                        principalTable: "fabric_transactions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_parcel_versions_fabric_transactions_transaction_id",
                        column: x => x.transaction_id,
                        principalSchema: "cadastre",
                        principalTable: "fabric_transactions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_parcel_versions_parcel_records_upi",
                        column: x => x.upi,
                        principalSchema: "cadastre",
                        principalTable: "parcel_records",
                        principalColumn: "upi",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_blocks_boundary",
                schema: "cadastre",
                table: "blocks",
                column: "boundary")
                .Annotation("Npgsql:IndexMethod", "gist");

            migrationBuilder.CreateIndex(
                name: "IX_blocks_district_code",
                schema: "cadastre",
                table: "blocks",
                column: "district_code");

            migrationBuilder.CreateIndex(
                name: "IX_buildings_footprint",
                schema: "cadastre",
                table: "buildings",
                column: "footprint")
                .Annotation("Npgsql:IndexMethod", "gist");

            migrationBuilder.CreateIndex(
                name: "IX_buildings_upi",
                schema: "cadastre",
                table: "buildings",
                column: "upi");

            migrationBuilder.CreateIndex(
                name: "IX_districts_boundary",
                schema: "cadastre",
                table: "districts",
                column: "boundary")
                .Annotation("Npgsql:IndexMethod", "gist");

            migrationBuilder.CreateIndex(
                name: "IX_hazard_zones_boundary",
                schema: "cadastre",
                table: "hazard_zones",
                column: "boundary")
                .Annotation("Npgsql:IndexMethod", "gist");

            migrationBuilder.CreateIndex(
                name: "IX_lineage_edges_child_upi",
                schema: "cadastre",
                table: "lineage_edges",
                column: "child_upi");

            migrationBuilder.CreateIndex(
                name: "IX_lineage_edges_transaction_id",
                schema: "cadastre",
                table: "lineage_edges",
                column: "transaction_id");

            migrationBuilder.CreateIndex(
                name: "IX_parcel_records_block_code_lot_number",
                schema: "cadastre",
                table: "parcel_records",
                columns: new[] { "block_code", "lot_number" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_parcel_records_issued_by_transaction_id",
                schema: "cadastre",
                table: "parcel_records",
                column: "issued_by_transaction_id");

            migrationBuilder.CreateIndex(
                name: "IX_parcel_versions_retired_by_transaction_id",
                schema: "cadastre",
                table: "parcel_versions",
                column: "retired_by_transaction_id");

            migrationBuilder.CreateIndex(
                name: "IX_parcel_versions_transaction_id",
                schema: "cadastre",
                table: "parcel_versions",
                column: "transaction_id");

            migrationBuilder.CreateIndex(
                name: "IX_parcel_versions_upi_version",
                schema: "cadastre",
                table: "parcel_versions",
                columns: new[] { "upi", "version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_road_reserves_boundary",
                schema: "cadastre",
                table: "road_reserves",
                column: "boundary")
                .Annotation("Npgsql:IndexMethod", "gist");
        
            FabricIntegritySql.Apply(migrationBuilder);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            FabricIntegritySql.Revert(migrationBuilder);

            migrationBuilder.DropTable(
                name: "blocks",
                schema: "cadastre");

            migrationBuilder.DropTable(
                name: "buildings",
                schema: "cadastre");

            migrationBuilder.DropTable(
                name: "hazard_zones",
                schema: "cadastre");

            migrationBuilder.DropTable(
                name: "lineage_edges",
                schema: "cadastre");

            migrationBuilder.DropTable(
                name: "parcel_versions",
                schema: "cadastre");

            migrationBuilder.DropTable(
                name: "road_reserves",
                schema: "cadastre");

            migrationBuilder.DropTable(
                name: "districts",
                schema: "cadastre");

            migrationBuilder.DropTable(
                name: "parcel_records",
                schema: "cadastre");

            migrationBuilder.DropTable(
                name: "fabric_transactions",
                schema: "cadastre");
        }
    }
}
