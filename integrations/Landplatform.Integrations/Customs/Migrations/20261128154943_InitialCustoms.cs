using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Landplatform.Integrations.Customs.Migrations
{
    /// <inheritdoc />
    public partial class InitialCustoms : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "customs");

            migrationBuilder.CreateTable(
                name: "queries",
                schema: "customs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    asked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    client_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    uin = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    upi = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    eligible = table.Column<bool>(type: "boolean", nullable: false),
                    reasons = table.Column<string>(type: "jsonb", nullable: false),
                    correlation_id = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_queries", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_queries_asked_at",
                schema: "customs",
                table: "queries",
                column: "asked_at");

            migrationBuilder.Sql("""
                CREATE FUNCTION customs.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  RAISE EXCEPTION 'the customs query audit is append-only' USING ERRCODE = 'LPH02';
                END $$;
                CREATE TRIGGER queries_append_only BEFORE UPDATE OR DELETE ON customs.queries FOR EACH ROW EXECUTE FUNCTION customs.refuse_change();
                CREATE TRIGGER queries_no_truncate BEFORE TRUNCATE ON customs.queries FOR EACH STATEMENT EXECUTE FUNCTION customs.refuse_change();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS customs.refuse_change() CASCADE");

            migrationBuilder.DropTable(
                name: "queries",
                schema: "customs");
        }
    }
}
