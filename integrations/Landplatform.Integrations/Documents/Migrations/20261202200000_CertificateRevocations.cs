using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Integrations.Documents.Migrations
{
    /// <summary>Why and by whom each notary certificate was revoked; append-only (the database refuses changes and deletions).</summary>
    [DbContext(typeof(DocumentsStore))]
    [Migration("20261202200000_CertificateRevocations")]
    public partial class CertificateRevocations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE documents.certificate_revocations (
                    serial_number text PRIMARY KEY REFERENCES documents.notary_certificates (serial_number),
                    revoked_at timestamptz NOT NULL,
                    reason text NOT NULL,
                    revoked_by text NOT NULL);
                CREATE FUNCTION documents.refuse_revocation_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'documents.certificate_revocations is append-only: a revocation is never changed or withdrawn'
                        USING ERRCODE = 'insufficient_privilege';
                END $$;
                CREATE TRIGGER certificate_revocations_append_only BEFORE UPDATE OR DELETE ON documents.certificate_revocations
                    FOR EACH ROW EXECUTE FUNCTION documents.refuse_revocation_change();
                CREATE TRIGGER certificate_revocations_no_truncate BEFORE TRUNCATE ON documents.certificate_revocations
                    FOR EACH STATEMENT EXECUTE FUNCTION documents.refuse_revocation_change();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE documents.certificate_revocations; DROP FUNCTION documents.refuse_revocation_change();");
        }
    }
}
