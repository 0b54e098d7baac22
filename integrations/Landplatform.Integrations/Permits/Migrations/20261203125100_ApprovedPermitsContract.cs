using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Integrations.Permits.Migrations
{
    /// <summary>The permits module's published read contract (PermitsModule.PublishedRelations): the permits granted.</summary>
    [DbContext(typeof(PermitsStore))]
    [Migration("20261203125100_ApprovedPermitsContract")]
    public partial class ApprovedPermitsContract : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE VIEW permits.approved_permits AS
                SELECT a.number, a.upi, a.decided_at FROM permits.applications a WHERE a.status = 'approved';
                COMMENT ON VIEW permits.approved_permits IS 'Published read contract of the permits module: building permits granted.';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP VIEW permits.approved_permits;");
        }
    }
}
