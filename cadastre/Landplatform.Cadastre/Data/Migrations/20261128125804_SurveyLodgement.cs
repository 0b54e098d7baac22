using System;
using Microsoft.EntityFrameworkCore.Migrations;
using NetTopologySuite.Geometries;

#nullable disable

namespace Landplatform.Cadastre.Data.Migrations
{
    /// <inheritdoc />
    public partial class SurveyLodgement : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "surveys",
                schema: "cadastre",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    reference = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    surveyor = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    licence_number = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    parent_upis = table.Column<string[]>(type: "text[]", nullable: false),
                    current_revision = table.Column<int>(type: "integer", nullable: false),
                    submitted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    decided_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    decision_reason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    fabric_transaction_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_surveys", x => x.id);
                    table.CheckConstraint("ck_surveys_status", "status IN ('submitted','checked','examined','approved','rejected')");
                    table.ForeignKey(
                        name: "FK_surveys_fabric_transactions_fabric_transaction_id",
                        column: x => x.fabric_transaction_id,
                        principalSchema: "cadastre",
                        principalTable: "fabric_transactions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "survey_revisions",
                schema: "cadastre",
                columns: table => new
                {
                    survey_id = table.Column<Guid>(type: "uuid", nullable: false),
                    revision = table.Column<int>(type: "integer", nullable: false),
                    file_name = table.Column<string>(type: "character varying(260)", maxLength: 260, nullable: false),
                    file_sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    format = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    srid = table.Column<int>(type: "integer", nullable: false),
                    findings = table.Column<string>(type: "jsonb", nullable: false),
                    errors = table.Column<int>(type: "integer", nullable: false),
                    warnings = table.Column<int>(type: "integer", nullable: false),
                    checked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_survey_revisions", x => new { x.survey_id, x.revision });
                    table.ForeignKey(
                        name: "FK_survey_revisions_surveys_survey_id",
                        column: x => x.survey_id,
                        principalSchema: "cadastre",
                        principalTable: "surveys",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "survey_lots",
                schema: "cadastre",
                columns: table => new
                {
                    survey_id = table.Column<Guid>(type: "uuid", nullable: false),
                    revision = table.Column<int>(type: "integer", nullable: false),
                    label = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    stated_area = table.Column<decimal>(type: "numeric(14,2)", precision: 14, scale: 2, nullable: true),
                    boundary = table.Column<Polygon>(type: "geometry(Polygon,2007)", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_survey_lots", x => new { x.survey_id, x.revision, x.label });
                    table.ForeignKey(
                        name: "FK_survey_lots_survey_revisions_survey_id_revision",
                        columns: x => new { x.survey_id, x.revision },
                        principalSchema: "cadastre",
                        principalTable: "survey_revisions",
                        principalColumns: new[] { "survey_id", "revision" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_survey_lots_boundary",
                schema: "cadastre",
                table: "survey_lots",
                column: "boundary")
                .Annotation("Npgsql:IndexMethod", "gist");

            migrationBuilder.CreateIndex(
                name: "IX_surveys_fabric_transaction_id",
                schema: "cadastre",
                table: "surveys",
                column: "fabric_transaction_id");

            migrationBuilder.CreateIndex(
                name: "IX_surveys_parent_upis",
                schema: "cadastre",
                table: "surveys",
                column: "parent_upis")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "IX_surveys_reference",
                schema: "cadastre",
                table: "surveys",
                column: "reference",
                unique: true);
        
            // Every report a surveyor received stays as it was: revisions and their lots are append-only.
            migrationBuilder.Sql("""
                CREATE TRIGGER survey_revisions_no_rewrite BEFORE UPDATE OR DELETE ON cadastre.survey_revisions
                  FOR EACH ROW EXECUTE FUNCTION cadastre.refuse_rewrite();
                CREATE TRIGGER survey_lots_no_rewrite BEFORE UPDATE OR DELETE ON cadastre.survey_lots
                  FOR EACH ROW EXECUTE FUNCTION cadastre.refuse_rewrite();
                CREATE TRIGGER surveys_no_delete BEFORE DELETE ON cadastre.surveys
                  FOR EACH ROW EXECUTE FUNCTION cadastre.refuse_erasure();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "survey_lots",
                schema: "cadastre");

            migrationBuilder.DropTable(
                name: "survey_revisions",
                schema: "cadastre");

            migrationBuilder.DropTable(
                name: "surveys",
                schema: "cadastre");
        }
    }
}
