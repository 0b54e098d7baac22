using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Landplatform.Registry.Data.Migrations
{
    /// <summary>
    /// The register in the terms of the land administration domain model (ISO 19152), published for exchange
    /// (RegistryModule.PublishedRelations): sources, parties, basic administrative units, their parcels and the rights,
    /// restrictions and mortgages on them. The LADM export reads these views, never the register's tables, so the
    /// register may change its tables and keep the exchange stable.
    /// </summary>
    [DbContext(typeof(RegistryDbContext))]
    [Migration("20261204183000_LadmExchangeViews")]
    public partial class LadmExchangeViews : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE VIEW registry.ladm_administrative_sources AS
                SELECT t.id AS source_id, t.kind, t.lodged_at, t.registered_at, t.note
                FROM registry.transactions t WHERE t.state = 'registered';
                COMMENT ON VIEW registry.ladm_administrative_sources IS 'Published exchange contract of the registry (LADM LA_AdministrativeSource): the registered transactions rights rest on.';

                CREATE VIEW registry.ladm_parties AS
                SELECT p.id AS party_id, p.name, p.kind, coalesce(p.uin, p.registration_number) AS external_id,
                       EXISTS (SELECT 1 FROM registry.rights r WHERE r.party_id = p.id AND r.kind = 'mortgage') AS money_provider
                FROM registry.parties p;
                COMMENT ON VIEW registry.ladm_parties IS 'Published exchange contract of the registry (LADM LA_Party): every person and organisation the register names; external_id is personal data.';

                CREATE VIEW registry.ladm_units AS
                SELECT t.title_number, t.opened_at, t.closed_at, t.opened_by_transaction_id AS source_id
                FROM registry.titles t;
                COMMENT ON VIEW registry.ladm_units IS 'Published exchange contract of the registry (LADM LA_BAUnit): each title, open or closed.';

                CREATE VIEW registry.ladm_unit_parcels AS
                SELECT l.title_number, l.upi, l.created_by_transaction_id AS source_id
                FROM registry.title_parcels l;
                COMMENT ON VIEW registry.ladm_unit_parcels IS 'Published exchange contract of the registry: the parcels each title holds.';

                CREATE VIEW registry.ladm_rrr AS
                SELECT r.id AS rrr_id, r.kind, r.title_number, r.party_id, r.share_numerator, r.share_denominator, r.amount,
                       r.terms, r.valid_from, r.valid_to, r.created_by_transaction_id AS source_id,
                       r.ended_by_transaction_id AS end_source_id
                FROM registry.rights r;
                COMMENT ON VIEW registry.ladm_rrr IS 'Published exchange contract of the registry (LADM LA_RRR): every right, restriction and mortgage, with its share and lifespan.';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP VIEW registry.ladm_rrr;
                DROP VIEW registry.ladm_unit_parcels;
                DROP VIEW registry.ladm_units;
                DROP VIEW registry.ladm_parties;
                DROP VIEW registry.ladm_administrative_sources;
                """);
        }
    }
}
