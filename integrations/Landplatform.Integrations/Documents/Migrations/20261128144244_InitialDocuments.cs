using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Integrations.Documents.Migrations
{
    /// <inheritdoc />
    public partial class InitialDocuments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "documents");

            migrationBuilder.CreateTable(
                name: "authority",
                schema: "documents",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    certificate_pem = table.Column<string>(type: "text", nullable: false),
                    private_key_pem = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_authority", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "contents",
                schema: "documents",
                columns: table => new
                {
                    sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    content = table.Column<byte[]>(type: "bytea", nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    media_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    stored_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_contents", x => x.sha256);
                });

            migrationBuilder.CreateTable(
                name: "notary_certificates",
                schema: "documents",
                columns: table => new
                {
                    serial_number = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    notary_user_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    subject = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    thumbprint = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    certificate = table.Column<byte[]>(type: "bytea", nullable: false),
                    issued_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    not_after = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    revoked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_notary_certificates", x => x.serial_number);
                });

            migrationBuilder.CreateTable(
                name: "scanned_deeds",
                schema: "documents",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    content_sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    book = table.Column<int>(type: "integer", nullable: false),
                    page = table.Column<int>(type: "integer", nullable: false),
                    recorded_on = table.Column<DateOnly>(type: "date", nullable: false),
                    parties = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    parcel_upi = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    file_name = table.Column<string>(type: "character varying(260)", maxLength: 260, nullable: false),
                    imported_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    imported_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_scanned_deeds", x => x.id);
                    table.ForeignKey(
                        name: "FK_scanned_deeds_contents_content_sha256",
                        column: x => x.content_sha256,
                        principalSchema: "documents",
                        principalTable: "contents",
                        principalColumn: "sha256",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "deeds",
                schema: "documents",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    content_sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    signature_sha256 = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    signer_serial_number = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    signer_subject = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    lodged_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    lodged_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    signed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    reference = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    parcel_upi = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    file_name = table.Column<string>(type: "character varying(260)", maxLength: 260, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deeds", x => x.id);
                    table.ForeignKey(
                        name: "FK_deeds_contents_content_sha256",
                        column: x => x.content_sha256,
                        principalSchema: "documents",
                        principalTable: "contents",
                        principalColumn: "sha256",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_deeds_contents_signature_sha256",
                        column: x => x.signature_sha256,
                        principalSchema: "documents",
                        principalTable: "contents",
                        principalColumn: "sha256",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_deeds_notary_certificates_signer_serial_number",
                        column: x => x.signer_serial_number,
                        principalSchema: "documents",
                        principalTable: "notary_certificates",
                        principalColumn: "serial_number",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_deeds_content_sha256",
                schema: "documents",
                table: "deeds",
                column: "content_sha256");

            migrationBuilder.CreateIndex(
                name: "IX_deeds_reference",
                schema: "documents",
                table: "deeds",
                column: "reference");

            migrationBuilder.CreateIndex(
                name: "IX_deeds_signature_sha256",
                schema: "documents",
                table: "deeds",
                column: "signature_sha256");

            migrationBuilder.CreateIndex(
                name: "IX_deeds_signer_serial_number",
                schema: "documents",
                table: "deeds",
                column: "signer_serial_number");

            migrationBuilder.CreateIndex(
                name: "IX_notary_certificates_notary_user_id",
                schema: "documents",
                table: "notary_certificates",
                column: "notary_user_id");

            migrationBuilder.CreateIndex(
                name: "IX_scanned_deeds_book_page",
                schema: "documents",
                table: "scanned_deeds",
                columns: new[] { "book", "page" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_scanned_deeds_content_sha256",
                schema: "documents",
                table: "scanned_deeds",
                column: "content_sha256");

            migrationBuilder.CreateIndex(
                name: "IX_scanned_deeds_parcel_upi",
                schema: "documents",
                table: "scanned_deeds",
                column: "parcel_upi");

            migrationBuilder.CreateIndex(
                name: "IX_scanned_deeds_recorded_on",
                schema: "documents",
                table: "scanned_deeds",
                column: "recorded_on");

            migrationBuilder.CreateIndex(
                name: "ix_scanned_deeds_parties_trgm",
                schema: "documents",
                table: "scanned_deeds",
                column: "parties")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "authority",
                schema: "documents");

            migrationBuilder.DropTable(
                name: "deeds",
                schema: "documents");

            migrationBuilder.DropTable(
                name: "scanned_deeds",
                schema: "documents");

            migrationBuilder.DropTable(
                name: "notary_certificates",
                schema: "documents");

            migrationBuilder.DropTable(
                name: "contents",
                schema: "documents");
        }
    }
}
