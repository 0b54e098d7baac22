using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace Landplatform.Registry.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialRegister : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "registry");

            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:pg_trgm", ",,");

            migrationBuilder.CreateTable(
                name: "fee_schedule",
                schema: "registry",
                columns: table => new
                {
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    fee = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_fee_schedule", x => x.kind);
                });

            migrationBuilder.CreateTable(
                name: "journal",
                schema: "registry",
                columns: table => new
                {
                    seq = table.Column<long>(type: "bigint", nullable: false),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    transaction_id = table.Column<Guid>(type: "uuid", nullable: false),
                    content = table.Column<string>(type: "text", nullable: false),
                    previous_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    hash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_journal", x => x.seq);
                    table.CheckConstraint("ck_journal_hash_length", "length(hash) = 32 AND length(previous_hash) = 32");
                });

            migrationBuilder.CreateTable(
                name: "parties",
                schema: "registry",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    uin = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    registration_number = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    date_of_birth = table.Column<DateOnly>(type: "date", nullable: true),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_parties", x => x.id);
                    table.CheckConstraint("ck_parties_identified", "(kind = 'person' AND uin IS NOT NULL) OR (kind = 'organisation' AND registration_number IS NOT NULL)");
                });

            migrationBuilder.CreateTable(
                name: "titles",
                schema: "registry",
                columns: table => new
                {
                    title_number = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    opened_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    opened_by_transaction_id = table.Column<Guid>(type: "uuid", nullable: false),
                    closed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    closed_by_transaction_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_titles", x => x.title_number);
                });

            migrationBuilder.CreateTable(
                name: "transactions",
                schema: "registry",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    title_number = table.Column<string>(type: "text", nullable: true),
                    instrument = table.Column<string>(type: "jsonb", nullable: false),
                    instrument_date = table.Column<DateOnly>(type: "date", nullable: false),
                    lodged_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    lodged_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    fee = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: true),
                    registered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    note = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_transactions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "rights",
                schema: "registry",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    title_number = table.Column<string>(type: "character varying(40)", nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    party_id = table.Column<long>(type: "bigint", nullable: false),
                    share_numerator = table.Column<long>(type: "bigint", nullable: false),
                    share_denominator = table.Column<long>(type: "bigint", nullable: false),
                    amount = table.Column<decimal>(type: "numeric(16,2)", precision: 16, scale: 2, nullable: true),
                    terms = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    valid_from = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    valid_to = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    created_by_transaction_id = table.Column<Guid>(type: "uuid", nullable: false),
                    ended_by_transaction_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rights", x => x.id);
                    table.CheckConstraint("ck_rights_ended_together", "(valid_to IS NULL) = (ended_by_transaction_id IS NULL)");
                    table.CheckConstraint("ck_rights_period", "valid_to IS NULL OR valid_to >= valid_from");
                    table.CheckConstraint("ck_rights_share", "share_numerator > 0 AND share_denominator > 0 AND share_numerator <= share_denominator");
                    table.ForeignKey(
                        name: "FK_rights_parties_party_id",
                        column: x => x.party_id,
                        principalSchema: "registry",
                        principalTable: "parties",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_rights_titles_title_number",
                        column: x => x.title_number,
                        principalSchema: "registry",
                        principalTable: "titles",
                        principalColumn: "title_number",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "title_parcels",
                schema: "registry",
                columns: table => new
                {
                    title_number = table.Column<string>(type: "character varying(40)", nullable: false),
                    upi = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_title_parcels", x => new { x.title_number, x.upi });
                    table.ForeignKey(
                        name: "FK_title_parcels_titles_title_number",
                        column: x => x.title_number,
                        principalSchema: "registry",
                        principalTable: "titles",
                        principalColumn: "title_number",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "fee_payments",
                schema: "registry",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    transaction_id = table.Column<Guid>(type: "uuid", nullable: false),
                    amount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    reference = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    recorded_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_fee_payments", x => x.id);
                    table.CheckConstraint("ck_fee_payments_positive", "amount > 0");
                    table.ForeignKey(
                        name: "FK_fee_payments_transactions_transaction_id",
                        column: x => x.transaction_id,
                        principalSchema: "registry",
                        principalTable: "transactions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "transaction_documents",
                schema: "registry",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    transaction_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    file_name = table.Column<string>(type: "character varying(260)", maxLength: 260, nullable: false),
                    length = table.Column<long>(type: "bigint", nullable: false),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    attached_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    attached_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_transaction_documents", x => x.id);
                    table.CheckConstraint("ck_transaction_documents_sha256", "sha256 ~ '^[0-9a-f]{64}$'");
                    table.ForeignKey(
                        name: "FK_transaction_documents_transactions_transaction_id",
                        column: x => x.transaction_id,
                        principalSchema: "registry",
                        principalTable: "transactions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "transaction_steps",
                schema: "registry",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    transaction_id = table.Column<Guid>(type: "uuid", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    note = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_transaction_steps", x => x.id);
                    table.ForeignKey(
                        name: "FK_transaction_steps_transactions_transaction_id",
                        column: x => x.transaction_id,
                        principalSchema: "registry",
                        principalTable: "transactions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.InsertData(
                schema: "registry",
                table: "fee_schedule",
                columns: new[] { "kind", "fee" },
                values: new object[,]
                {
                    { "caveat", 75.00m },
                    { "caveat_withdrawal", 25.00m },
                    { "discharge", 50.00m },
                    { "mortgage", 100.00m },
                    { "rectification", 40.00m },
                    { "subdivision", 200.00m },
                    { "transfer", 150.00m }
                });

            migrationBuilder.CreateIndex(
                name: "IX_fee_payments_transaction_id",
                schema: "registry",
                table: "fee_payments",
                column: "transaction_id");

            migrationBuilder.CreateIndex(
                name: "IX_journal_transaction_id",
                schema: "registry",
                table: "journal",
                column: "transaction_id");

            migrationBuilder.CreateIndex(
                name: "IX_parties_name",
                schema: "registry",
                table: "parties",
                column: "name")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "IX_parties_registration_number",
                schema: "registry",
                table: "parties",
                column: "registration_number",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_parties_uin",
                schema: "registry",
                table: "parties",
                column: "uin",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_rights_created_by_transaction_id",
                schema: "registry",
                table: "rights",
                column: "created_by_transaction_id");

            migrationBuilder.CreateIndex(
                name: "IX_rights_ended_by_transaction_id",
                schema: "registry",
                table: "rights",
                column: "ended_by_transaction_id");

            migrationBuilder.CreateIndex(
                name: "IX_rights_party_id",
                schema: "registry",
                table: "rights",
                column: "party_id");

            migrationBuilder.CreateIndex(
                name: "ix_rights_title",
                schema: "registry",
                table: "rights",
                columns: new[] { "title_number", "valid_from" });

            migrationBuilder.CreateIndex(
                name: "ix_rights_title_current",
                schema: "registry",
                table: "rights",
                column: "title_number",
                filter: "valid_to IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_title_parcels_upi",
                schema: "registry",
                table: "title_parcels",
                column: "upi");

            migrationBuilder.CreateIndex(
                name: "IX_transaction_documents_transaction_id",
                schema: "registry",
                table: "transaction_documents",
                column: "transaction_id");

            migrationBuilder.CreateIndex(
                name: "IX_transaction_steps_transaction_id",
                schema: "registry",
                table: "transaction_steps",
                column: "transaction_id");

            migrationBuilder.CreateIndex(
                name: "IX_transactions_state_lodged_at",
                schema: "registry",
                table: "transactions",
                columns: new[] { "state", "lodged_at" });

            migrationBuilder.CreateIndex(
                name: "IX_transactions_title_number_lodged_at",
                schema: "registry",
                table: "transactions",
                columns: new[] { "title_number", "lodged_at" });

            RegisterIntegritySql.Apply(migrationBuilder);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            RegisterIntegritySql.Revert(migrationBuilder);

            migrationBuilder.DropTable(
                name: "fee_payments",
                schema: "registry");

            migrationBuilder.DropTable(
                name: "fee_schedule",
                schema: "registry");

            migrationBuilder.DropTable(
                name: "journal",
                schema: "registry");

            migrationBuilder.DropTable(
                name: "rights",
                schema: "registry");

            migrationBuilder.DropTable(
                name: "title_parcels",
                schema: "registry");

            migrationBuilder.DropTable(
                name: "transaction_documents",
                schema: "registry");

            migrationBuilder.DropTable(
                name: "transaction_steps",
                schema: "registry");

            migrationBuilder.DropTable(
                name: "parties",
                schema: "registry");

            migrationBuilder.DropTable(
                name: "titles",
                schema: "registry");

            migrationBuilder.DropTable(
                name: "transactions",
                schema: "registry");
        }
    }
}
