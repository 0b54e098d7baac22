using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Registry.Data.Migrations
{
    /// <summary>
    /// The registry's published read contract (RegistryModule.PublishedRelations): the current registered owners of each
    /// parcel, one row per ownership right in force on the parcel's open title. Tax, permits and customs read this view,
    /// never the register's tables, so the register may change its tables without breaking them.
    /// </summary>
    [DbContext(typeof(RegistryDbContext))]
    [Migration("20261203125000_ParcelOwnersContract")]
    public partial class ParcelOwnersContract : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE VIEW registry.parcel_owners AS
                SELECT tp.upi, t.title_number, r.id AS right_id, pa.id AS party_id, pa.kind AS party_kind, pa.uin,
                       pa.registration_number, pa.name, r.share_numerator, r.share_denominator
                FROM registry.title_parcels tp
                JOIN registry.titles t ON t.title_number = tp.title_number AND t.closed_at IS NULL
                JOIN registry.rights r ON r.title_number = t.title_number AND r.kind = 'ownership' AND r.valid_to IS NULL
                JOIN registry.parties pa ON pa.id = r.party_id;
                COMMENT ON VIEW registry.parcel_owners IS 'Published read contract of the registry: the registered owners today of each parcel''s open title.';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP VIEW registry.parcel_owners;");
        }
    }
}
