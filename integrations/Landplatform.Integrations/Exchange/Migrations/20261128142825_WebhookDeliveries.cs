using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Landplatform.Integrations.Exchange.Migrations
{
    /// <inheritdoc />
    public partial class WebhookDeliveries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddUniqueConstraint(
                name: "AK_outbox_event_id",
                schema: "exchange",
                table: "outbox",
                column: "event_id");

            migrationBuilder.CreateTable(
                name: "subscriptions",
                schema: "exchange",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(60)", maxLength: 60, nullable: false),
                    callback_url = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    event_types = table.Column<string[]>(type: "text[]", nullable: false),
                    secret = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    retired_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_subscriptions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "deliveries",
                schema: "exchange",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    event_id = table.Column<Guid>(type: "uuid", nullable: false),
                    subscriber = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                    subscription_id = table.Column<Guid>(type: "uuid", nullable: true),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    next_attempt_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_error = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    delivered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deliveries", x => x.id);
                    table.ForeignKey(
                        name: "FK_deliveries_outbox_event_id",
                        column: x => x.event_id,
                        principalSchema: "exchange",
                        principalTable: "outbox",
                        principalColumn: "event_id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_deliveries_subscriptions_subscription_id",
                        column: x => x.subscription_id,
                        principalSchema: "exchange",
                        principalTable: "subscriptions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_deliveries_event_id",
                schema: "exchange",
                table: "deliveries",
                column: "event_id");

            migrationBuilder.CreateIndex(
                name: "IX_deliveries_subscriber_event_id",
                schema: "exchange",
                table: "deliveries",
                columns: new[] { "subscriber", "event_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_deliveries_subscription_id",
                schema: "exchange",
                table: "deliveries",
                column: "subscription_id");

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_dead",
                schema: "exchange",
                table: "deliveries",
                column: "id",
                filter: "status = 'dead'");

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_due",
                schema: "exchange",
                table: "deliveries",
                column: "next_attempt_at",
                filter: "status = 'pending'");

            migrationBuilder.CreateIndex(
                name: "IX_subscriptions_name",
                schema: "exchange",
                table: "subscriptions",
                column: "name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "deliveries",
                schema: "exchange");

            migrationBuilder.DropTable(
                name: "subscriptions",
                schema: "exchange");

            migrationBuilder.DropUniqueConstraint(
                name: "AK_outbox_event_id",
                schema: "exchange",
                table: "outbox");
        }
    }
}
